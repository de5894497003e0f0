/** `hearth user add|grant|revoke`: account administration from the shell (works before the UI has any user). */
import { loadConfig } from '../config/load.ts';
import { databaseFileName, openDatabase } from '../db/connection.ts';
import path from 'node:path';
import { hashPassword } from '../auth/password.ts';
import { deleteGrant, findUser, grantScopes, insertUser, setGrant, usernamePattern, type GrantScope } from '../auth/userRows.ts';
import { getCamera } from '../cameras/cameraRows.ts';
import { UsageError } from './errors.ts';
import { readPasswordStdin } from './passwordStdin.ts';
import { parseFlags } from './parse.ts';

export async function userCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      scope: { type: 'string' },
      config: { type: 'string' },
      data: { type: 'string' },
    },
    true,
  );
  const [action, username, cameraId, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!username) throw new UsageError('name the user: hearth user add|grant|revoke NAME ...');
  const config = loadConfig({ file: values.config, dataDir: values.data });
  const db = openDatabase(path.join(config.dataDir, databaseFileName));
  try {
    switch (action) {
      case 'add': {
        if (!usernamePattern.test(username)) {
          throw new UsageError(`"${username}" is not a valid user name: use letters, digits, '.', '_' or '-' (up to 64)`);
        }
        if (values.role !== 'admin' && values.role !== 'viewer') throw new UsageError('--role must be admin or viewer');
        if (values['password-stdin'] !== true) {
          throw new UsageError('give the password on standard input with --password-stdin (never on the command line, where other users can see it)');
        }
        const password = await readPasswordStdin();
        const passwordHash = await hashPassword(password);
        insertUser(db, { username, role: values.role, passwordHash, nowMs: Date.now() });
        process.stdout.write(`added ${values.role} ${username}\n`);
        return 0;
      }
      case 'grant': {
        const scope = (values.scope ?? 'recordings') as GrantScope;
        if (!grantScopes.includes(scope)) throw new UsageError(`--scope must be one of ${grantScopes.join(', ')}`);
        const { user, camera } = userAndCamera(db, username, cameraId);
        if (user.role === 'admin') process.stderr.write(`note: ${username} is an admin and sees every camera anyway\n`);
        setGrant(db, user.id, camera, scope);
        process.stdout.write(`granted ${username} ${scope} on ${camera}\n`);
        return 0;
      }
      case 'revoke': {
        const { user, camera } = userAndCamera(db, username, cameraId);
        const existed = deleteGrant(db, user.id, camera);
        process.stdout.write(existed ? `revoked ${username} on ${camera}\n` : `${username} had no grant on ${camera}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown user action "${action ?? ''}": use add, grant or revoke`);
    }
  } finally {
    db.close();
  }
}

function userAndCamera(db: Parameters<typeof findUser>[0], username: string, cameraId: string | undefined) {
  if (!cameraId) throw new UsageError('name the camera: hearth user grant|revoke NAME CAMERA_ID');
  const user = findUser(db, username);
  if (!user) throw new UsageError(`no user named "${username}"; add one with: hearth user add ${username} --role viewer --password-stdin`);
  if (!getCamera(db, cameraId)) throw new UsageError(`no camera with id "${cameraId}"; see the camera list in the web UI or the config`);
  return { user, camera: cameraId };
}

