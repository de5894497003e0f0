import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runHearth, startHearthProcess } from '../helpers/hearthProcess.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'hearth-cli-'));

test('zero-config start listens, answers /api/health, and stops cleanly on SIGTERM', async () => {
  const data = tmp();
  const hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1'], { env: { HEARTH_DATA: data } });
  try {
    assert.match(hearth.output(), /info listening on http:\/\/127\.0\.0\.1:\d+ /);
    const response = await fetch(`${hearth.url}/api/health`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { ok: boolean };
    assert.equal(body.ok, true);
    assert.equal(statSync(path.join(data, 'hearth.db')).mode & 0o777, 0o600);
  } finally {
    assert.equal(await hearth.stop(), 0);
  }
});

test('a typo in the config file stops start with one line naming the key', async () => {
  const dir = tmp();
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'http:\n  port: 8080\nretension:\n  days: 3\n');
  const result = await runHearth(['start', '--config', file, '--data', dir]);
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0] ?? '', /^hearth: config .*bad\.yaml: retension: unknown key; did you mean "retention"\?/);
});

test('a port already in use is a one-line error with the fix', async () => {
  const data = tmp();
  const first = await startHearthProcess(['--port', '0', '--host', '127.0.0.1', '--data', data]);
  try {
    const port = new URL(first.url).port;
    const result = await runHearth(['start', '--port', port, '--host', '127.0.0.1', '--data', tmp()]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /hearth: port \d+ on 127\.0\.0\.1 is already in use; stop the other program or start Hearth with --port N/);
  } finally {
    await first.stop();
  }
});

test('unknown commands and flags say what to type', async () => {
  const unknown = await runHearth(['strat']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "strat"; run "hearth --help"/);
  const flag = await runHearth(['start', '--prot', '1']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--prot/);
  const bare = await runHearth([]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^hearth: no command given; run "hearth --help"/);
  const help = await runHearth(['--help']);
  assert.equal(help.code, 0);
  for (const command of ['start', 'discover', 'user add', 'user grant', 'user revoke', 'doctor', 'simulate']) {
    assert.ok(help.stdout.includes(`hearth ${command}`), command);
  }
});

test('user add, grant and revoke work from the shell and refuse bad input', async () => {
  const data = tmp();
  const env = { HEARTH_DATA: data };
  writeFileSync(path.join(data, 'hearth.yaml'), 'cameras:\n  - id: porch\n    streams: { main: rtsp://127.0.0.1:1/x }\n');
  // Start once so the config camera lands in the registry.
  const hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1', '--config', path.join(data, 'hearth.yaml')], { env });
  await hearth.stop();

  const added = await runHearth(['user', 'add', 'alice', '--role', 'viewer', '--password-stdin'], { env, input: 'correct horse battery\n' });
  assert.equal(added.code, 0, added.stderr);
  const again = await runHearth(['user', 'add', 'alice', '--role', 'viewer', '--password-stdin'], { env, input: 'another password\n' });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
  const short = await runHearth(['user', 'add', 'bob', '--role', 'admin', '--password-stdin'], { env, input: 'short\n' });
  assert.match(short.stderr, /at least 8 characters/);
  const noStdin = await runHearth(['user', 'add', 'bob', '--role', 'admin'], { env });
  assert.match(noStdin.stderr, /--password-stdin/);

  const granted = await runHearth(['user', 'grant', 'alice', 'porch'], { env });
  assert.equal(granted.code, 0, granted.stderr);
  assert.match(granted.stdout, /granted alice recordings on porch/);
  const live = await runHearth(['user', 'grant', 'alice', 'porch', '--scope', 'live'], { env });
  assert.match(live.stdout, /granted alice live on porch/);
  const badScope = await runHearth(['user', 'grant', 'alice', 'porch', '--scope', 'everything'], { env });
  assert.equal(badScope.code, 2);
  const noCamera = await runHearth(['user', 'grant', 'alice', 'garage'], { env });
  assert.match(noCamera.stderr, /no camera with id "garage"/);
  const revoked = await runHearth(['user', 'revoke', 'alice', 'porch'], { env });
  assert.match(revoked.stdout, /revoked alice on porch/);
});

test('doctor gives a verdict for ffmpeg, data, database, clock, network and the object detector', async () => {
  const data = tmp();
  const result = await runHearth(['doctor', '--data', data, '--json']);
  const checks = JSON.parse(result.stdout) as { name: string; verdict: string; detail: string }[];
  assert.deepEqual(checks.map((c) => c.name), ['ffmpeg', 'data', 'database', 'clock', 'network', 'objects']);
  assert.equal(checks.find((c) => c.name === 'ffmpeg')?.verdict, 'ok');
  // The detector loads from the npm package and is timed here: its time, and how many cameras it serves.
  const objects = checks.find((c) => c.name === 'objects');
  assert.equal(objects?.verdict, 'ok', objects?.detail);
  assert.match(objects?.detail ?? '', /NanoDet-m 416 .* loaded in \d+ ms; \d+ ms a frame on this box with 1 thread: [\d.]+ frames\/s, enough for \d+ cameras? moving at once at 2 fps/);
  assert.equal(checks.find((c) => c.name === 'data')?.verdict === 'fail', false);
  assert.equal(result.code, checks.some((c) => c.verdict === 'fail') ? 1 : 0);
  const human = await runHearth(['doctor', '--data', data]);
  assert.match(human.stdout, /^ok\s+ffmpeg\s+5\./m);
  assert.match(human.stdout, /^ok\s+objects\s+NanoDet/m);

  // A failing check: the data "directory" is a file. Verdicts on stdout, the one-line reason on stderr.
  const notDir = path.join(data, 'not-a-dir');
  writeFileSync(notDir, 'x');
  const failing = await runHearth(['doctor', '--data', path.join(notDir, 'data')]);
  assert.equal(failing.code, 1, failing.stdout);
  assert.match(failing.stdout, /^fail\s+data\s/m);
  assert.match(failing.stderr, /^hearth: doctor: data: .+\n$/);
});
