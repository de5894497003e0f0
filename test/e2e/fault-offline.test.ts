/**
 * README, "Reliability": no internet. Hearth and a simulated camera run in a private network
 * namespace with loopback, one veth link to the test (a /30 of 10.x: the "LAN"), no default
 * route and an empty resolv.conf. Discovery is on, pinned to lo and a private port. The test
 * sets up the first admin, waits for recording, a motion event with its thumbnail, plays a
 * playlist's segment and downloads an export. Every outbound attempt is counted twice: a
 * preload hooks net/dgram/dns inside Hearth's node, and strace (when installed) logs every
 * connect/sendto/sendmsg of Hearth and all its ffmpeg children. Attempts to a non-LAN
 * address must be 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { isIP } from 'node:net';
import { isLanAddress } from '../../src/net/lanAddress.ts';
import { sleep } from '../helpers/recordingFixture.ts';
import { childPids } from '../helpers/processCpu.ts';
import { playsWithFfprobe } from '../helpers/recordingTestCamera.ts';
import { hearthBin } from '../helpers/hearthProcess.ts';
import { ApiClient, killGroup, startFaultHearth, writeConfig, type ApiCamera, type ApiSegment, type FaultHearth } from '../helpers/faultHearth.ts';

const netHook = fileURLToPath(new URL('../helpers/faultNetHook.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;
const hasIp = spawnSync('ip', ['-V']).status === 0;
const hasStrace = spawnSync('strace', ['-V']).status === 0;
const tag = `hearthoff${process.pid % 100_000}`;
const subnet = `10.213.${process.pid % 250}`;
const hostAddress = `${subnet}.1`;
const nsAddress = `${subnet}.2`;
const wsdPort = 20_000 + (process.pid % 10_000);
/** WS-Discovery's multicast group: link-scoped by its TTL, never routed off the LAN. */
const lanMulticast = new Set(['239.255.255.250', 'ff02::c']);

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function setUpNamespace(): void {
  ip('netns', 'add', tag);
  // `ip netns exec` bind-mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf: no DNS server at all.
  mkdirSync(`/etc/netns/${tag}`, { recursive: true });
  writeFileSync(`/etc/netns/${tag}/resolv.conf`, '');
  ip('-n', tag, 'link', 'set', 'lo', 'up');
  ip('link', 'add', `${tag}h`, 'type', 'veth', 'peer', 'name', `${tag}n`);
  ip('link', 'set', `${tag}n`, 'netns', tag);
  ip('addr', 'add', `${hostAddress}/30`, 'dev', `${tag}h`);
  ip('link', 'set', `${tag}h`, 'up');
  ip('-n', tag, 'addr', 'add', `${nsAddress}/30`, 'dev', `${tag}n`);
  ip('-n', tag, 'link', 'set', `${tag}n`, 'up');
}

function tearDownNamespace(): void {
  for (const args of [['link', 'del', `${tag}h`], ['netns', 'del', tag]]) {
    try {
      ip(...args);
    } catch (error) {
      if (!/Cannot find|No such|does not exist/i.test(String((error as { stderr?: Buffer }).stderr ?? error))) throw error;
    }
  }
  rmSync(`/etc/netns/${tag}`, { recursive: true, force: true });
}

interface SimulatedCameraInfo {
  serial: string;
  username: string;
  password: string;
  main: string;
  sub: string;
  onvif: string | null;
}

/** `hearth simulate --json` inside the namespace; resolves with its camera list. */
function startSimulatorInNamespace(): Promise<{ child: ChildProcess; cameras: SimulatedCameraInfo[] }> {
  const child = spawn('ip', ['netns', 'exec', tag, process.execPath, hearthBin, 'simulate', '--cameras', '1', '--scene', 'person', '--json'], {
    env: { ...process.env, HEARTH_WSD_PORT: String(wsdPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hearth simulate printed nothing in 60 s: ${stderr}`)), 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, cameras: JSON.parse(line) as SimulatedCameraInfo[] });
    });
    child.once('close', (code) => reject(new Error(`hearth simulate exited ${code}: ${stderr}`)));
  });
}

interface Attempt {
  source: string;
  kind: string;
  host: string;
}

/** Non-LAN destinations: anything not loopback/private/link-local/ULA or LAN multicast, and any name needing DNS. */
function outside(a: Attempt): boolean {
  if (a.host === 'localhost' || a.host === '(connected)' || a.host === 'loaded') return false;
  // A lookup of an address literal sends nothing (listen('0.0.0.0') does one); the connect that follows is counted.
  if (a.kind === 'dns' && isIP(a.host) !== 0) return false;
  if (a.host === '0.0.0.0' || a.host === '::') return false; // "this host"
  return !(isLanAddress(a.host) || lanMulticast.has(a.host));
}

function hookAttempts(file: string): Attempt[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
    const r = JSON.parse(l) as { kind: string; host: string | null };
    return { source: 'hook', kind: r.kind, host: r.host ?? '' };
  });
}

/** inet addresses of connect/sendto/sendmsg calls in an strace -f log. */
function straceAttempts(file: string): Attempt[] {
  if (!existsSync(file)) return [];
  const attempts: Attempt[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const call = /\b(connect|sendto|sendmsg)\(/.exec(line)?.[1];
    if (!call) continue;
    for (const m of line.matchAll(/inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"/g)) attempts.push({ source: 'strace', kind: call, host: m[1] ?? m[2] ?? '' });
  }
  return attempts;
}

/** Waits for `promise` at most `ms` (without leaving a timer behind to hold the test runner). */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

async function waitUntil<T>(what: string, timeoutMs: number, poll: () => Promise<T | null>, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await poll();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context().slice(-5000)}`);
    await sleep(500);
  }
}

test('offline: no route, no DNS: setup, record, motion, playback and export work; 0 attempts to leave the LAN', {
  timeout: 180_000,
  skip: !isRoot ? 'needs root for a network namespace (CI runs as root)' : !hasIp ? 'needs iproute2 (ip) for a network namespace' : false,
}, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-fault-offline-'));
  const dataDir = path.join(dir, 'data');
  const hookLog = path.join(dir, 'net-hook.jsonl');
  const straceLog = path.join(dir, 'strace.log');
  let simulator: ChildProcess | null = null;
  let hearth: FaultHearth | null = null;
  try {
    setUpNamespace();
    const routes = execFileSync('ip', ['-n', tag, 'route', 'show', 'default']).toString().trim();
    assert.equal(routes, '', 'no default route in the namespace');

    // The instruments themselves: one fetch to a documentation address (TEST-NET-3) must be seen by both.
    const controlHook = path.join(dir, 'control-hook.jsonl');
    const controlStrace = path.join(dir, 'control-strace.log');
    execFileSync('ip', ['netns', 'exec', tag, ...(hasStrace ? ['strace', '-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-e', 'signal=none', '-o', controlStrace] : []),
      process.execPath, '--import', 'tsx', '--import', netHook, '-e', "await fetch('http://203.0.113.7/').catch(() => undefined)", '--input-type=module'], {
      env: { ...process.env, HEARTH_FAULT_NET_LOG: controlHook }, timeout: 60_000, stdio: ['ignore', 'ignore', 'pipe'],
    });
    const control = { hook: hookAttempts(controlHook).filter(outside).length, strace: straceAttempts(controlStrace).filter(outside).length };
    assert.ok(control.hook >= 1 && (!hasStrace || control.strace >= 1), `the counters see a blocked attempt: ${JSON.stringify(control)}`);

    const sim = await startSimulatorInNamespace();
    simulator = sim.child;
    const camera = sim.cameras[0]!;
    const withCredentials = (url: string): string => {
      const u = new URL(url);
      u.username = camera.username;
      u.password = camera.password;
      return u.toString();
    };
    const configFile = writeConfig(dir, {
      discovery: { enabled: true, interfaces: ['lo'] },
      recording: { segmentSeconds: 4 },
      cameras: [
        {
          id: 'porch',
          onvif: { url: camera.onvif, username: camera.username, password: camera.password },
          streams: { main: withCredentials(camera.main), sub: withCredentials(camera.sub) },
          // The simulator burns a clock and its serial into the top of the picture.
          motion: { enabled: true, masks: [{ x: 0, y: 0, w: 0.7, h: 0.12 }] },
        },
      ],
    });
    hearth = await startFaultHearth({
      configFile,
      dataDir,
      host: '0.0.0.0',
      prefix: ['ip', 'netns', 'exec', tag, ...(hasStrace ? ['strace', '-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-e', 'signal=none', '-o', straceLog] : [])],
      preloads: ['tsx', netHook],
      env: { HEARTH_DISCOVERY: 'on', HEARTH_WSD_PORT: String(wsdPort), HEARTH_FAULT_NET_LOG: hookLog },
      timeoutMs: 90_000,
    });
    const h = hearth;
    // The test reaches Hearth over the veth link, from the LAN side.
    const api = await ApiClient.setup({ url: `http://${nsAddress}:${h.port}`, output: h.output });

    await waitUntil('recording', 60_000, async () => ((await api.json<ApiCamera[]>('/api/cameras'))[0]?.state === 'recording' ? true : null), h.output);
    const from = Date.now() - 60_000;
    const segments = await waitUntil('3 segments', 60_000, async () => {
      const list = await api.json<ApiSegment[]>(`/api/cameras/porch/segments?from=${from}&to=${Date.now() + 60_000}`);
      return list.length >= 3 ? list : null;
    }, h.output);

    // The person scene crosses at scene seconds 10..18, 50..58, ...
    const event = await waitUntil('a motion event', 90_000, async () => {
      const events = await api.json<Array<{ id: number; start: number; end: number | null }>>(`/api/events?camera=porch&from=${from}&to=${Date.now() + 60_000}`);
      return events[0] ?? null;
    }, h.output);
    const thumbnail = await api.request('GET', `/api/events/${event.id}/thumbnail`);
    assert.equal(thumbnail.status, 200);
    assert.equal(thumbnail.headers.get('content-type'), 'image/jpeg');
    const thumbnailBytes = (await thumbnail.arrayBuffer()).byteLength;

    const playlistRes = await api.request('GET', `/api/cameras/porch/playlist.m3u8?from=${from}&to=${Date.now()}`);
    assert.equal(playlistRes.status, 200);
    const playlist = await playlistRes.text();
    const segmentUri = /^\/api\/segments\/\d+(\.mp4)?$/m.exec(playlist)?.[0];
    const range = /#EXT-X-BYTERANGE:(\d+)@(\d+)/.exec(playlist);
    assert.ok(segmentUri && range, `a playable entry in the playlist:\n${playlist}`);
    const media = await api.request('GET', segmentUri, undefined, 60_000, { range: `bytes=${range[2]}-${Number(range[2]) + Number(range[1]) - 1}` });
    assert.equal(media.status, 206);
    assert.equal((await media.arrayBuffer()).byteLength, Number(range[1]));

    const exportFrom = segments[0]!.start;
    const exportTo = segments.at(-1)!.end;
    const exported = await api.request('GET', `/api/export?camera=porch&from=${exportFrom}&to=${exportTo}`, undefined, 120_000);
    assert.equal(exported.status, 200, await exported.clone().text());
    const exportFile = path.join(dir, 'export.mp4');
    writeFileSync(exportFile, Buffer.from(await exported.arrayBuffer()));
    const exportPlays = playsWithFfprobe(exportFile);
    assert.ok(exportPlays.ok, `the export plays: ${exportPlays.error}`);

    // Stop Hearth itself (strace, when present, is its parent and exits with it).
    const hearthPid = hasStrace ? childPids(h.child.pid!)[0] : h.child.pid;
    if (hearthPid) process.kill(hearthPid, 'SIGTERM');
    await settledWithin(h.exited, 30_000);
    hearth = null;
    if (h.child.exitCode === null && h.child.signalCode === null) killGroup(h.child, 'SIGKILL');

    const attempts = [...hookAttempts(hookLog), ...straceAttempts(straceLog)];
    const escaping = attempts.filter(outside);
    if (process.env.FAULT_DEBUG) console.log(attempts);
    const hookLoaded = attempts.some((a) => a.kind === 'hook');
    const bySource = (s: string): number => attempts.filter((a) => a.source === s && a.kind !== 'hook').length;
    console.log(
      `fault-offline: setup, recording (${segments.length} segments), motion event ${event.id} (thumbnail ${thumbnailBytes} B), playback (206), export (${exportPlays.durationSeconds.toFixed(1)} s) all worked ` +
        `with no route and no DNS; ${escaping.length} outbound attempt(s) to non-LAN addresses among ${bySource('hook')} seen by the node hook and ` +
        `${hasStrace ? `${bySource('strace')} by strace (Hearth + ffmpeg)` : 'no strace (not installed)'}; control fetch to 203.0.113.7 counted ${control.hook} (hook) / ${control.strace} (strace)`,
    );
    assert.ok(hookLoaded && bySource('hook') > 0, 'the hook saw Hearth connect to its camera');
    if (hasStrace) assert.ok(bySource('strace') > 0, 'strace saw the connections');
    assert.deepEqual(escaping, [], 'no attempt to reach beyond the LAN');
  } finally {
    if (hearth) killGroup(hearth.child, 'SIGKILL');
    if (simulator && simulator.exitCode === null) {
      killGroup(simulator, 'SIGTERM');
      await settledWithin(new Promise((r) => simulator!.once('close', r)), 10_000);
      killGroup(simulator, 'SIGKILL');
    }
    tearDownNamespace();
    rmSync(dir, { recursive: true, force: true });
  }
});
