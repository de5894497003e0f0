import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
  await runInstalled(root);
  // Same lock file and Node: the upgrade reuses the installed modules instead of rebuilding.
  const second = runInstaller(root);
  assert.match(second, /dependencies unchanged; reused the installed node_modules/);
  await runInstalled(root);
});
