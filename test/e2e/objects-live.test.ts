/**
 * Object detection live, end to end: GStreamer's RTSP server plays OpenCV's footage of people
 * walking as a camera; `hearth start` records it, watches it for motion, and the box's detector
 * names what moved. Through the API a household uses: an event labelled person that alerts,
 * found with ?label=person and ?alert=1, its thumbnail a JPEG; /metrics counts the frames the
 * detector classified for the camera.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MotionEventView } from '../../src/wire/cameras.ts';
import { gstUnavailable, startGstCamera, type GstCamera } from '../helpers/gstCamera.ts';
import { runHearth, startHearthProcess, type RunningHearthProcess } from '../helpers/hearthProcess.ts';
import { login } from '../helpers/apiSession.ts';
import { pollUntil } from '../helpers/poll.ts';

const footage = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const skip = gstUnavailable() ?? (existsSync(footage) ? false : `needs OpenCV's sample footage (${footage}): run scripts/install-deps.sh --test`);

test('a camera showing people walking: hearth start names them, the event alerts, the API filters by label', { skip, timeout: 330_000 }, async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-objects-live-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let camera: GstCamera | null = null;
  let hearth: RunningHearthProcess | null = null;
  t.after(async () => {
    await hearth?.stop('SIGTERM');
    await camera?.stop();
  });
  camera = await startGstCamera({ mounts: [{ path: '/plaza', file: footage, width: 640, height: 480, fps: 10, kbps: 800 }] });
  const configFile = path.join(dataDir, 'hearth.yaml');
  writeFileSync(
    configFile,
    ['discovery:', '  enabled: false', 'cameras:', '  - id: plaza', '    name: Plaza', '    streams:', `      main: "${camera.url('/plaza')}"`, '    motion:', '      enabled: true', ''].join('\n'),
  );
  const env = { HEARTH_CONFIG: configFile, HEARTH_DATA: dataDir };
  const added = await runHearth(['user', 'add', 'admin', '--role', 'admin', '--password-stdin'], { env, input: 'admin-pass-1234\n' });
  assert.equal(added.code, 0, added.stderr);
  hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1'], { env, timeoutMs: 60_000 });
  const base = hearth.url;
  const cookie = await login(base, 'admin', 'admin-pass-1234');
  const get = async <T>(route: string): Promise<T> => {
    const response = await fetch(`${base}${route}`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200, `${route} answered ${response.status}`);
    return (await response.json()) as T;
  };

  // Bounded: one look every 2 s for 240 s. The footage plays 79 s and people walk through all of it,
  // but motion opens its first event only once its background has settled (26–140 s measured here,
  // the camera replaying the file after its end), so the wait is long; the label follows within a second.
  const started = Date.now();
  const found = await pollUntil(
    'an alerting event labelled person',
    240_000,
    async () => (await get<MotionEventView[]>('/api/events?camera=plaza&label=person')).find((e) => e.alert && e.labels.some((l) => l.label === 'person' && l.score >= 0.5)),
    { everyMs: 2_000, context: () => hearth!.output() },
  );
  console.log(hearth.output().split('\n').filter((l) => /event=(motion\.event|objects\.|motion\.camera)/.test(l)).slice(0, 12).join('\n'));
  console.log(`# objects-live: person at ${found.labels.find((l) => l.label === 'person')!.score} after ${Date.now() - started} ms; labels ${found.labels.map((l) => `${l.label}:${l.score}`).join(' ')}`);
  const person = found.labels.find((l) => l.label === 'person')!;
  assert.equal(person.kind, 'person');
  assert.ok(person.box.w > 0 && person.box.h > 0 && person.box.x >= 0 && person.box.x + person.box.w <= 1.0001, JSON.stringify(person.box));

  const alerts = await get<MotionEventView[]>('/api/events?camera=plaza&alert=1');
  assert.ok(alerts.some((e) => e.id === found.id), 'the event is among the alerts');
  const unlabelled = await get<MotionEventView[]>('/api/events?camera=plaza&label=none');
  assert.ok(!unlabelled.some((e) => e.id === found.id), 'nor among the unlabelled');

  const thumbnail = await fetch(`${base}/api/events/${found.id}/thumbnail`, { headers: { cookie } });
  assert.equal(thumbnail.status, 200);
  assert.match(thumbnail.headers.get('content-type') ?? '', /image\/(jpeg|webp)/);

  const metrics = await (await fetch(`${base}/metrics`, { headers: { cookie } })).text();
  const inferences = Number(/^hearth_object_inferences_total\{camera="plaza"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  assert.ok(inferences >= 1, `the detector classified frames of the camera:\n${metrics.split('\n').filter((l) => l.includes('object')).join('\n')}`);
  assert.match(metrics, /^hearth_object_detector_loaded 1$/m);
});
