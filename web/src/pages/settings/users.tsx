/**
 * Users and what each may see: a row per user, a column per camera, and in each cell
 * nothing / live / recordings / export. Admins see everything by role.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getCameras, type Camera, type Me } from '../../api.ts';
import { addUser, deleteUser, getUsers, revokeGrant, setGrant, type Scope, type UserRow } from '../../settingsApi.ts';
import { ErrorAlert } from '../../components/errorAlert.tsx';

const message = (e: unknown) => (e instanceof ApiError ? e.message : 'Hearth did not answer; check that it is running.');
const scopes: Array<Scope | ''> = ['', 'live', 'recordings', 'export'];
const scopeLabel: Record<string, string> = { '': 'no access', live: 'live', recordings: 'recordings', export: 'export' };

export function UsersSettings({ me }: { me: Me }) {
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    Promise.all([getUsers(), getCameras()])
      .then(([u, c]) => (setUsers(u), setCameras(c)))
      .catch((e) => setError(message(e)));
  useEffect(() => void load(), []);

  const change = async (user: UserRow, camera: string, scope: Scope | '') => {
    setError(null);
    try {
      if (scope === '') await revokeGrant(user.username, camera);
      else await setGrant(user.username, camera, scope);
    } catch (e) {
      setError(message(e));
    }
    await load();
  };

  const remove = async (user: UserRow) => {
    if (!confirm(`Delete ${user.username}? Their sessions end at once.`)) return;
    setError(null);
    try {
      await deleteUser(user.username);
    } catch (e) {
      setError(message(e));
    }
    await load();
  };

  if (!users) return error ? <p class="error" role="alert">{error}</p> : <p class="muted">Loading users…</p>;
  return (
    <div class="users">
      <ErrorAlert message={error} />
      <div class="card scroll-x">
        <table class="grants">
          <thead>
            <tr>
              <th>User</th>
              {cameras.map((c) => (
                <th key={c.id}>{c.name}</th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.username} data-user={u.username}>
                <td>
                  <strong>{u.username}</strong>
                  <div class="small muted">{u.role}</div>
                </td>
                {cameras.map((c) => {
                  if (u.role === 'admin') return <td key={c.id} class="muted small">all (admin)</td>;
                  const current = u.grants.find((g) => g.camera === c.id)?.scope ?? '';
                  return (
                    <td key={c.id}>
                      <select aria-label={`${u.username} on ${c.name}`} data-camera={c.id} value={current} onChange={(e) => change(u, c.id, e.currentTarget.value as Scope | '')}>
                        {scopes.map((s) => (
                          <option key={s} value={s}>
                            {scopeLabel[s]}
                          </option>
                        ))}
                      </select>
                    </td>
                  );
                })}
                <td>
                  {u.username !== me.username && (
                    <button type="button" class="danger" onClick={() => remove(u)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="small muted">Live: watch only. Recordings: also the timeline and events. Export: also download clips.</p>
      </div>
      <AddUserForm onAdded={load} />
    </div>
  );
}

function AddUserForm({ onAdded }: { onAdded: () => void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<'admin' | 'viewer'>('viewer');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await addUser({ username: username.trim(), role, password });
      setUsername('');
      setPassword('');
      onAdded();
    } catch (e) {
      setError(message(e));
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-label="Add user">
      <h3>Add a user</h3>
      <div class="grid-3">
        <label>
          Username
          <input name="newUsername" autocomplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as 'admin' | 'viewer')}>
            <option value="viewer">viewer (only cameras you grant)</option>
            <option value="admin">admin (everything)</option>
          </select>
        </label>
        <label>
          Password
          <input name="newPassword" type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
      </div>
      <ErrorAlert message={error} />
      <button type="submit" class="primary">
        Add user
      </button>
    </form>
  );
}
