import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runHearth, spawnHearth } from '../helpers/hearthProcess.ts';
import { connectOnvif } from '../../src/discovery/onvifClient.ts';

const run = promisify(execFile);

interface SimulatedCameraJson {
  serial: string;
  username: string;
  password: string;
  main: string;
  sub: string;
  onvif: string;
}

function withCredentials(url: string, c: SimulatedCameraJson): string {
  const u = new URL(url);
  u.username = c.username;
  u.password = c.password;
  return u.toString();
}

test('hearth simulate --cameras 4: ffprobe, the onvif package and hearth discover read four distinct cameras', { timeout: 120_000 }, async () => {
  // A private discovery port keeps this run's probes apart from any other test on the machine; multicast stays on 127.0.0.1.
  const wsdPort = String(20_000 + (process.pid % 20_000));
  const child = spawnHearth(['simulate', '--cameras', '4', '--json'], { env: { HEARTH_WSD_PORT: wsdPort } });
  const encoderPids: number[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const cameras = await new Promise<SimulatedCameraJson[]>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`simulate did not print its cameras within 60 s: ${stderr}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as SimulatedCameraJson[]);
        }
      });
      void exited.then((code) => reject(new Error(`simulate exited ${code}: ${stderr}`)));
    });
    assert.equal(cameras.length, 4);
    assert.equal(new Set(cameras.map((c) => c.serial)).size, 4, 'distinct serials');

    for (const camera of cameras) {
      for (const [stream, size] of [['main', '1280,720'], ['sub', '640,360']] as const) {
        const { stdout } = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', withCredentials(camera[stream], camera)], { timeout: 20_000 });
        assert.equal(stdout.trim(), `h264,${size}`, `${camera.serial} ${stream}`);
      }
      const device = await connectOnvif({ url: camera.onvif, username: camera.username, password: camera.password, timeoutMs: 5000 });
      try {
        const identity = await device.getDeviceIdentity();
        assert.equal(identity.serialNumber, camera.serial);
        const uris = await device.getStreamUris();
        assert.equal(new URL(uris.main.uri).port, new URL(camera.main).port);
        assert.equal(uris.main.width, 1280);
      } finally {
        device.close();
      }
    }

    const discovered = await runHearth(['discover', '--json', '--interface', 'lo', '--timeout', '2'], { env: { HEARTH_WSD_PORT: wsdPort } });
    assert.equal(discovered.code, 0, discovered.stderr);
    const devices = JSON.parse(discovered.stdout) as { xaddrs: string[] }[];
    for (const camera of cameras) {
      assert.ok(devices.some((d) => d.xaddrs.includes(camera.onvif)), `discover found ${camera.onvif}`);
    }
  } finally {
    const { stdout: children } = await run('pgrep', ['-P', String(child.pid), 'ffmpeg'], { timeout: 5000 });
    encoderPids.push(...children.split('\n').filter(Boolean).map(Number));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  }
  assert.equal(encoderPids.length, 4, 'one scene encoder per camera');
  const alive = encoderPids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false; // ESRCH: gone, as it should be
    }
  });
  assert.deepEqual(alive, [], 'no simulator ffmpeg survives SIGTERM of hearth simulate');
});
