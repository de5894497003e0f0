/**
 * Real cameras' ONVIF answers (the replayed fixtures of ../shared/realcams) in front of an
 * RTSP implementation Hearth did not write (GStreamer's): each of the five models, set up
 * in hearth.yaml by its ONVIF address alone, is identity-checked, gets its main stream from
 * the device's own profile answers (codec first, then resolution; Media2 for the Axis) and
 * records, in one real `hearth start`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { gstUnavailable, startGstCamera, type GstCamera } from '../helpers/gstCamera.ts';
import { realcamModels, realcamsFixtures, realcamsSkipReason, startRealcamReplay, type RealcamModel, type RealcamReplay, isRealcamMainUri } from '../helpers/realcamReplay.ts';
import { runHearth, startHearthProcess, type RunningHearthProcess } from '../helpers/hearthProcess.ts';
import { login } from '../helpers/apiSession.ts';

const shortName = (model: RealcamModel): string => model.split('-')[0]!;

const skip = realcamsSkipReason() ?? gstUnavailable() ?? false;

test('each replayed real camera, configured by its ONVIF address alone, records from the stream its device names', { skip, timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-realcams-'));
  const replays = new Map<RealcamModel, RealcamReplay>();
  let gst: GstCamera | null = null;
  let hearth: RunningHearthProcess | null = null;
  const user = 'admin';
  const password = 'realcam-pass';
  try {
    // One GStreamer camera per model's main and sub, behind the same Digest account the ONVIF side checks.
    gst = await startGstCamera({
      auth: 'digest',
      user,
      password,
      mounts: realcamModels.flatMap((model) => [
        { path: `/${shortName(model)}-main`, audio: model.startsWith('hikvision') || model.startsWith('amcrest') ? ('pcmu' as const) : ('none' as const) },
        { path: `/${shortName(model)}-sub`, width: 160, height: 120 },
      ]),
    });
    const rtsp = gst;
    for (const model of realcamModels) {
      replays.set(
        model,
        await startRealcamReplay({
          model,
          username: user,
          password,
          rewriteRtsp: (original) => rtsp.url(`/${shortName(model)}-${isRealcamMainUri[model](original) ? 'main' : 'sub'}`, null),
        }),
      );
    }
    const config = [
      'recording:',
      '  segmentSeconds: 4',
      'cameras:',
      ...realcamModels.flatMap((model) => [
        `  - id: ${shortName(model)}`,
        `    name: ${model}`,
        '    onvif:',
        `      url: ${replays.get(model)!.deviceUrl}`,
        `      username: ${user}`,
        `      password: ${password}`,
        '    motion:',
        '      enabled: false',
      ]),
    ];
    const configFile = path.join(dataDir, 'hearth.yaml');
    writeFileSync(configFile, config.join('\n') + '\n');
    const env = { HEARTH_CONFIG: configFile, HEARTH_DATA: dataDir, HEARTH_LOG_LEVEL: 'info' };
    assert.equal((await runHearth(['user', 'add', 'admin', '--role', 'admin', '--password-stdin'], { env, input: 'admin-pass-1234\n' })).code, 0);
    hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1'], { env, timeoutMs: 60_000 });
    const startedAt = Date.now();
    const base = hearth.url;
    const cookie = await login(base, 'admin', 'admin-pass-1234');
    type View = { id: string; state: string; lastError: string | null; identity: { serial: string | null; verified: boolean } };
    let views: View[] = [];
    const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true, fileMustExist: true });
    try {
      const ready = (): boolean =>
        realcamModels.every((model) => {
          const id = shortName(model);
          const segments = db.prepare('SELECT COUNT(*) FROM segments WHERE camera_id = ?').pluck().get(id) as number;
          return views.find((v) => v.id === id)?.state === 'recording' && segments > 0;
        });
      while (Date.now() - startedAt < 60_000) {
        views = (await (await fetch(`${base}/api/cameras`, { headers: { cookie } })).json()) as View[];
        if (ready()) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(ready(), `not all recording with a segment after 60 s: ${JSON.stringify(views)}\n${hearth.output().slice(-4000)}`);
      const elapsedMs = Date.now() - startedAt;
      for (const model of realcamModels) {
        const id = shortName(model);
        const view = views.find((v) => v.id === id)!;
        // The serial the device's own GetDeviceInformation answer carries.
        const info = readFileSync(path.join(realcamsFixtures, model, 'GetDeviceInformation.xml'), 'utf8');
        const serial = /<[\w:]*SerialNumber>\s*([^<\s]+)\s*</.exec(info)?.[1];
        assert.ok(serial, `${model}: fixture has a serial`);
        assert.equal(view.identity.serial, serial, `${model}: identity bound to the device's serial`);
        const main = db.prepare("SELECT url FROM streams WHERE camera_id = ? AND role = 'main'").pluck().get(id) as string;
        assert.equal(new URL(main).pathname, `/${id}-main`, `${model}: the main stream is the device's main profile`);
        assert.equal(decodeURIComponent(new URL(main).username), user, `${model}: stream URL carries the ONVIF account`);
        console.log(`# ${model}: recording as ${id}, serial ${view.identity.serial}, main ${new URL(main).pathname}`);
      }
      console.log(`# all ${realcamModels.length} replayed models recording with a segment ${elapsedMs} ms after "listening"`);
    } finally {
      db.close();
    }
  } finally {
    await hearth?.stop('SIGTERM');
    await Promise.all([...replays.values()].map((r) => r.close()));
    await gst?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
