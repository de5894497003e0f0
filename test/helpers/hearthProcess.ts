/**
 * Runs the real `hearth` command in a child process, the way a user or systemd does: the one
 * place tests and benches spawn it, wait for `listening on` and stop it (the fault, UI, fuzz
 * and bench rigs set up their scenario and call this). Discovery is off unless a test turns
 * it on inside its own network namespace or on a private loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const hearthBin = fileURLToPath(new URL('../../bin/hearth.js', import.meta.url));

// scripts/test.sh builds dist/ before the integration and e2e tiers and sets HEARTH_TEST_BUILD=1:
// the suite runs the compiled build, as installed. A test file run by hand runs src/ through
// tsx (HEARTH_DEV=1, set here for every launcher that spawns hearthBin with process.env), so
// it always tests the tree as it is and never a stale dist/.
if (process.env.HEARTH_TEST_BUILD !== '1') process.env.HEARTH_DEV ??= '1';

/** How a test runs `hearth ARGS`: the argv to spawn (node, its flags, the entry point, the args). */
export function hearthArgv(args: string[], nodeFlags: string[] = []): string[] {
  return [process.execPath, ...nodeFlags, hearthBin, ...args];
}

export interface SpawnHearthOptions {
  env?: NodeJS.ProcessEnv;
  /** Put in front of node, e.g. ['ip', 'netns', 'exec', NAME] or an `unshare` wrapper. */
  prefix?: string[];
  /** Absolute paths of modules to `--import` into the Hearth process before it starts. */
  preloads?: string[];
  /** Its own process group, so that a kill of the group takes every ffmpeg it started too. */
  detached?: boolean;
}

/** Spawns `hearth ARGS` with stdin, stdout and stderr piped; HEARTH_DISCOVERY=off unless `env` says otherwise. */
export function spawnHearth(args: string[], options: SpawnHearthOptions = {}): ChildProcess & { stdin: NonNullable<ChildProcess['stdin']>; stdout: NonNullable<ChildProcess['stdout']>; stderr: NonNullable<ChildProcess['stderr']> } {
  const [command, ...rest] = [...(options.prefix ?? []), ...hearthArgv(args, (options.preloads ?? []).flatMap((p) => ['--import', p]))];
  return spawn(command!, rest, {
    env: { ...process.env, HEARTH_DISCOVERY: 'off', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  }) as ReturnType<typeof spawnHearth>;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a hearth command to completion, bounded in time. With `stopOnceListening`, a
 * `hearth start` that comes up is sent one SIGTERM (a second would kill it mid-stop), so a
 * test sees how it starts, or why it refuses to, in one result.
 */
export function runHearth(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; prefix?: string[]; stopOnceListening?: boolean } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawnHearth(args, { env: options.env, prefix: options.prefix });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    const onData = (): void => {
      if (options.stopOnceListening && !stopping && listeningUrl(stdout + stderr) !== null) {
        stopping = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), onData()));
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), onData()));
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

/** The address Hearth logged it listens on, or null before it has. */
export function listeningUrl(output: string): string | null {
  return /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? null;
}

export interface RunningHearthProcess {
  child: ChildProcess;
  /** Base URL on 127.0.0.1 (reachable from inside the namespace too, with a prefix). */
  url: string;
  port: number;
  output(): string;
  /** Resolves with the exit code once the process has closed. */
  exited: Promise<number | null>;
  /** Sends `signal`, then SIGKILL (to the group when detached) after `graceMs`; resolves with the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

export interface StartHearthOptions extends SpawnHearthOptions {
  timeoutMs?: number;
}

/** Starts `hearth start ARGS` and resolves once it logs `listening on http://HOST:PORT`. */
export function startHearthProcess(args: string[], options: StartHearthOptions = {}): Promise<RunningHearthProcess> {
  const child = spawnHearth(['start', ...args], options);
  child.stdin.end();
  const kill = (signal: NodeJS.Signals): void => (options.detached ? killGroup(child, signal) : void child.kill(signal));
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let resolved = false;
    const timer = setTimeout(() => {
      kill('SIGKILL');
      reject(new Error(`hearth start did not log "listening on" within ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const url = listeningUrl(output);
      if (url === null || resolved) return;
      resolved = true;
      clearTimeout(timer);
      const port = Number(new URL(url).port);
      resolve({
        child,
        url: `http://127.0.0.1:${port}`,
        port,
        output: () => output,
        exited,
        stop: async (signal = 'SIGTERM', graceMs = 15_000) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          const killer = setTimeout(() => kill('SIGKILL'), graceMs);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      if (!resolved) reject(new Error(`hearth start exited (${code ?? child.signalCode}) before listening; output:\n${output}`));
    });
  });
}

/** A signal to the child's whole process group (it must have been spawned detached). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
