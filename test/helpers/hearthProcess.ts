/**
 * Runs the real `hearth` command in a child process, the way a user or systemd does.
 * Discovery is off unless a test turns it on inside its own network namespace.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const hearthBin = fileURLToPath(new URL('../../bin/hearth.js', import.meta.url));

// scripts/test.sh builds dist/ before the integration and e2e tiers and sets HEARTH_TEST_BUILD=1:
// the suite runs the compiled build, as installed. A test file run by hand runs src/ through
// tsx (HEARTH_DEV=1, set here for every launcher that spawns hearthBin with process.env), so
// it always tests the tree as it is and never a stale dist/.
if (process.env.HEARTH_TEST_BUILD !== '1') process.env.HEARTH_DEV ??= '1';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a short hearth command to completion, bounded in time. */
export function runHearth(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hearthBin, ...args], {
      env: { ...process.env, HEARTH_DISCOVERY: 'off', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hearth ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface RunningHearthProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `hearth start ...` and resolves once it logs `listening on http://HOST:PORT`. */
export function startHearthProcess(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunningHearthProcess> {
  const child = spawn(process.execPath, [hearthBin, 'start', ...args], {
    env: { ...process.env, HEARTH_DISCOVERY: 'off', ...options.env },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hearth start did not log "listening on" within ${options.timeoutMs ?? 30_000} ms; output:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        const port = new URL(match[1]).port;
        resolve({
          child,
          url: `http://127.0.0.1:${port}`,
          output: () => output,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            const code = await exited;
            clearTimeout(killer);
            return code;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hearth start exited with ${code} before listening; output:\n${output}`));
    });
  });
}
