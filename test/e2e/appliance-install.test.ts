import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const installer = path.join(repo, 'scripts/install.sh');
const isRoot = process.getuid?.() === 0;

/** A scratch root with the host's account files, so `useradd --root` has something to edit. */
function scratchRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'hearth-root-'));
  mkdirSync(path.join(root, 'etc'));
  for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'login.defs']) {
    if (existsSync(`/etc/${f}`)) copyFileSync(`/etc/${f}`, path.join(root, 'etc', f));
  }
  return root;
}

function install(root: string, ...extra: string[]) {
  // --reuse-node-modules: this checkout's node_modules pruned to production (no registry, no
  // minute-long native rebuild); the npm ci path is the default on a real machine (tested below
  // with HEARTH_LONG_TESTS=1).
  return runInstaller(root, '--reuse-node-modules', ...extra);
}

function runInstaller(root: string, ...extra: string[]) {
  const result = spawnSync('bash', [installer, '--root', root, '--no-apt', ...extra], { encoding: 'utf8', timeout: 1_800_000 });
  assert.equal(result.status, 0, `install.sh ${extra.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout + result.stderr;
}

const hasWebBuild = Boolean((JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts?.['build:web']);

/** Starts the installed copy of Hearth and waits for it to serve /api/health (bounded). */
async function runInstalled(root: string): Promise<void> {
  const child = spawn(process.execPath, [path.join(root, 'opt/hearth/bin/hearth.js'), 'start', '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, HEARTH_DATA: path.join(root, 'var/lib/hearth'), HEARTH_DISCOVERY: 'off' },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (!(url = /listening on (http:\/\/\S+)/.exec(output)?.[1])) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`installed hearth did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const response = await fetch(`${url}/api/health`);
    assert.equal(response.status, 200);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** Every file under dir (not following links), relative to dir. */
function filesUnder(dir: string, skip: (relative: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (skip(child)) continue;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out;
}

/**
 * The installed tree holds the runtime only, and nothing on its runtime path loads TypeScript:
 * no tsx package, no src/, no .ts file, no import of tsx in Hearth's own code.
 */
function assertRuntimeOnly(app: string): void {
  for (const dir of ['src', 'test', 'bench', 'scripts', 'web/src', 'docs']) {
    assert.ok(!existsSync(path.join(app, dir)), `${dir}/ is not installed`);
  }
  assert.ok(existsSync(path.join(app, 'dist/cli/main.js')), 'the compiled build is installed');
  assert.ok(existsSync(path.join(app, 'dist/db/migrations/001_core.sql')), 'the migrations are beside the compiled code');
  for (const loader of ['tsx', 'typescript', 'esbuild']) {
    assert.ok(!existsSync(path.join(app, 'node_modules', loader)), `no ${loader} in the installed node_modules`);
  }
  const own = filesUnder(app, (relative) => relative === 'node_modules');
  assert.deepEqual(own.filter((f) => f.endsWith('.ts')), [], 'no TypeScript source installed');
  const loadsTsx = own.filter((f) => /\.(js|mjs)$/.test(f) && /['"]tsx(\/[^'"]*)?['"]/.test(readFileSync(path.join(app, f), 'utf8')));
  assert.deepEqual(loadsTsx, [], 'no installed file imports tsx');
}

/**
 * The installed build's ONVIF worker thread (plain JavaScript, no loader) talks to a simulated
 * ONVIF device on loopback, in a Node started with no --import at all.
 */
function assertInstalledOnvifWorker(app: string): void {
  const dist = pathToFileURL(path.join(app, 'dist')).href;
  const script = `
    import { startDeviceService } from '${dist}/simulator/onvif/deviceService.js';
    import { createOnvifWorkerPool } from '${dist}/discovery/onvifWorkerPool.js';
    const device = { manufacturer: 'Hearth', model: 'Installed', firmwareVersion: '1', serialNumber: 'INST-1', hardwareId: 'h', mac: '02:00:00:00:00:01' };
    const service = await startDeviceService({ host: '127.0.0.1', port: 0, username: 'admin', password: 'secret-pass', device, clockSkewMs: 0,
      streamUris: () => ({ main: 'rtsp://127.0.0.1:1/main', sub: 'rtsp://127.0.0.1:1/sub' }), snapshot: async () => Buffer.alloc(0) });
    const pool = createOnvifWorkerPool({ maxWorkers: 1 });
    try {
      const onvif = await pool.connect({ url: service.url, username: 'admin', password: 'secret-pass', timeoutMs: 10000 });
      console.log('serial ' + (await onvif.getDeviceIdentity()).serialNumber);
      onvif.close();
    } finally {
      await pool.close();
      await service.close();
    }`;
  // A file, not --eval: worker threads inherit execArgv, and --input-type would stop the worker.
  const probe = path.join(path.dirname(app), 'onvif-worker-probe.mjs');
  writeFileSync(probe, script);
  const result = spawnSync(process.execPath, [probe], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  rmSync(probe);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /serial INST-1/);
}

test('install.sh into a scratch root twice: the app runs, the second run upgrades and keeps data; uninstall keeps recordings unless --purge', { skip: !isRoot && 'needs root (useradd --root, chown)', timeout: 600_000 }, async (t) => {
  const root = scratchRoot();
  t.after(() => rmSync(root, { recursive: true, force: true })); // about 100 MB of node_modules
  const first = install(root);
  assert.match(first, /created system user hearth/);
  assert.match(first, /not enabling the service/);
  assert.match(first, /open http:\/\/\S+:8080/);
  assert.match(first, /setup code/);

  const passwd = readFileSync(path.join(root, 'etc/passwd'), 'utf8');
  const hearthLine = passwd.split('\n').find((l) => l.startsWith('hearth:'));
  assert.ok(hearthLine, 'hearth user created in the scratch root');
  const [, , uid, gid] = hearthLine.split(':').map(Number);
  const data = path.join(root, 'var/lib/hearth');
  assert.equal(statSync(data).mode & 0o777, 0o750);
  assert.equal(statSync(data).uid, uid);
  assert.equal(statSync(data).gid, gid);
  assert.ok(existsSync(path.join(root, 'opt/hearth/bin/hearth.js')));
  assert.ok(!existsSync(path.join(root, 'opt/hearth/.git')), 'no .git copied');
  assert.ok(!existsSync(path.join(root, 'opt/hearth/node_modules/typescript')), 'dev dependencies pruned');
  assert.ok(existsSync(path.join(root, 'opt/hearth/node_modules/better-sqlite3')));
  if (hasWebBuild) assert.ok(existsSync(path.join(root, 'opt/hearth/web/dist/index.html')), 'the web UI is built into the installed tree');
  const unit = path.join(root, 'etc/systemd/system/hearth.service');
  const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal(verify.stderr.trim(), '', 'systemd-analyze verify is silent for a good unit');

  assertRuntimeOnly(path.join(root, 'opt/hearth'));
  assertInstalledOnvifWorker(path.join(root, 'opt/hearth'));

  // The installed copy runs and creates its database in the data dir.
  await runInstalled(root);
  assert.ok(existsSync(path.join(data, 'hearth.db')));
  const recording = path.join(data, 'recordings/porch/keep.mp4');
  mkdirSync(path.dirname(recording), { recursive: true });
  writeFileSync(recording, 'not really video');
  const dbBefore = readFileSync(path.join(data, 'hearth.db'));
  writeFileSync(path.join(root, 'opt/hearth/stale-file-from-old-version'), '');

  const second = install(root);
  assert.match(second, /user hearth exists/);
  assert.equal(readFileSync(recording, 'utf8'), 'not really video', 'recordings kept across the upgrade');
  assert.deepEqual(readFileSync(path.join(data, 'hearth.db')), dbBefore, 'database untouched by the upgrade');
  assert.ok(!existsSync(path.join(root, 'opt/hearth/stale-file-from-old-version')), 'the app tree was replaced');
  assert.ok(!existsSync(path.join(root, 'opt/hearth.new')) && !existsSync(path.join(root, 'opt/hearth.old')));
  await runInstalled(root);

  install(root, '--uninstall');
  assert.ok(!existsSync(path.join(root, 'opt/hearth')) && !existsSync(unit));
  assert.equal(readFileSync(recording, 'utf8'), 'not really video', 'uninstall keeps recordings');
  install(root, '--uninstall', '--purge');
  assert.ok(!existsSync(data));
  assert.ok(!readFileSync(path.join(root, 'etc/passwd'), 'utf8').includes('\nhearth:'));
});

test('the unit file in the repository passes systemd-analyze verify', () => {
  const verify = spawnSync('systemd-analyze', ['verify', path.join(repo, 'systemd/hearth.service')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal(verify.stderr.trim(), '');
});

test('the unit runs Hearth as a notify service with a watchdog; hardening exposure stays low', () => {
  const unit = readFileSync(path.join(repo, 'systemd/hearth.service'), 'utf8');
  for (const line of ['Type=notify', 'NotifyAccess=all', 'WatchdogSec=60', 'Restart=on-failure']) {
    assert.ok(unit.split('\n').includes(line), `unit has ${line}`);
  }
  const security = spawnSync('systemd-analyze', ['security', '--offline=true', path.join(repo, 'systemd/hearth.service')], { encoding: 'utf8', timeout: 60_000 });
  const exposure = Number(/Overall exposure level for hearth\.service: ([\d.]+)/.exec(security.stdout + security.stderr)?.[1]);
  assert.ok(exposure > 0 && exposure <= 2, `systemd-analyze security exposure ${exposure} (was 1.5 with the watchdog)`);
});

test('install.sh production path into a scratch root: npm ci, build:web, npm prune --omit=dev; the installed tree starts and answers /api/health', {
  skip: !isRoot ? 'needs root' : process.env.HEARTH_LONG_TESTS !== '1' && 'slow (npm ci from the registry, better-sqlite3 from source): set HEARTH_LONG_TESTS=1',
  timeout: 3_600_000,
}, async (t) => {
  const root = scratchRoot();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const first = runInstaller(root);
  assert.match(first, /installing npm packages/);
  if (hasWebBuild) {
    assert.match(first, /building the web UI/);
    assert.ok(existsSync(path.join(root, 'opt/hearth/web/dist/index.html')));
  }
  const modules = path.join(root, 'opt/hearth/node_modules');
  assert.ok(existsSync(path.join(modules, 'better-sqlite3/build/Release/better_sqlite3.node')), 'better-sqlite3 built for this Node');
  for (const dev of ['typescript', 'vite', 'preact', 'aedes', 'playwright-core']) {
    assert.ok(!existsSync(path.join(modules, dev)), `dev package ${dev} pruned`);
  }
  assertRuntimeOnly(path.join(root, 'opt/hearth'));
  await runInstalled(root);
  // Same lock file and Node: the upgrade reuses the installed modules instead of rebuilding.
  const second = runInstaller(root);
  assert.match(second, /dependencies unchanged; reused the installed node_modules/);
  await runInstalled(root);
});
