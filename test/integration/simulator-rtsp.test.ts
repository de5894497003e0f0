/**
 * The camera simulator's media side, end to end with real ffmpeg/ffprobe clients:
 * RTSP over TCP and UDP with Digest auth, the burnt-in frame code, the session limit,
 * outages and DHCP address swaps.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ffmpegPathSync, ffprobePathSync } from '../../src/ffmpeg/locate.ts';
import {
  cameraCodeForSerial,
  readFrameCode,
  startSimulator,
  wallSecondsDiff,
  wallSecondsOf,
  type SimulatedCamera,
  type Simulator,
} from '../../src/simulator/index.ts';

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a client to completion (bounded by `timeoutMs`), never throwing on a non-zero exit. */
function run(file: string, args: string[], timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

async function probe(url: string, transport: 'tcp' | 'udp'): Promise<RunResult & { streams: Array<{ codec_name?: string; width?: number; height?: number }> }> {
  const result = await run(ffprobePathSync(), [
    '-v', 'error', '-rtsp_transport', transport, '-timeout', '5000000',
    '-show_entries', 'stream=codec_name,width,height', '-of', 'json', url,
  ]);
  const parsed = result.code === 0 ? (JSON.parse(result.stdout.toString('utf8')) as { streams?: [] }) : {};
  return { ...result, streams: parsed.streams ?? [] };
}

async function grayFrame(url: string, transport: 'tcp' | 'udp'): Promise<{ gray: Buffer; width: number; height: number; decodedAtMs: number }> {
  const size = url.endsWith('/stream1') ? { width: 1280, height: 720 } : { width: 640, height: 360 };
  const result = await run(ffmpegPathSync(), [
    '-v', 'error', '-rtsp_transport', transport, '-timeout', '5000000', '-i', url,
    '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1',
  ]);
  assert.equal(result.code, 0, `decoding a frame from ${url} failed: ${result.stderr}`);
  assert.equal(result.stdout.length, size.width * size.height, 'one gray frame of the stream size');
  return { gray: result.stdout, ...size, decodedAtMs: Date.now() };
}

async function frameCodeAt(url: string, transport: 'tcp' | 'udp' = 'tcp'): Promise<{ cameraCode: number; skewSec: number }> {
  const frame = await grayFrame(url, transport);
  const code = readFrameCode(frame.gray, frame.width, frame.height);
  assert.ok(code !== null, `no frame code readable in a frame from ${url}`);
  return { cameraCode: code.cameraCode, skewSec: wallSecondsDiff(code.wallSeconds, wallSecondsOf(frame.decodedAtMs)) };
}

/** A bare RTSP client for what ffprobe cannot do: hold sessions open and read status codes. */
class RawRtspClient {
  private cseq = 0;
  private buffered = '';
  private constructor(private readonly socket: net.Socket, private readonly url: string, private readonly user: string, private readonly pass: string) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffered += text;
    });
  }

  static connect(url: string, user: string, pass: string): Promise<RawRtspClient> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port) }, () => resolve(new RawRtspClient(socket, url, user, pass)));
      socket.once('error', reject);
    });
  }

  /** Sends a request, answering one Digest challenge; returns the final status and headers. */
  async request(method: string, uri: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Map<string, string> }> {
    let reply = await this.send(method, uri, headers);
    const challenge = reply.headers.get('www-authenticate');
    if (reply.status === 401 && challenge !== undefined) {
      const realm = /realm="([^"]*)"/.exec(challenge)?.[1] ?? '';
      const nonce = /nonce="([^"]*)"/.exec(challenge)?.[1] ?? '';
      const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
      const response = md5(`${md5(`${this.user}:${realm}:${this.pass}`)}:${nonce}:${md5(`${method}:${uri}`)}`);
      const authorization = `Digest username="${this.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}"`;
      reply = await this.send(method, uri, { ...headers, Authorization: authorization });
    }
    return reply;
  }

  /** DESCRIBE + SETUP of the first track over TCP; returns the SETUP status. */
  async setupSession(): Promise<number> {
    const describe = await this.request('DESCRIBE', this.url, { Accept: 'application/sdp' });
    assert.equal(describe.status, 200, 'DESCRIBE with the right password');
    const setup = await this.request('SETUP', `${this.url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    return setup.status;
  }

  close(): void {
    this.socket.destroy();
  }

  private async send(method: string, uri: string, headers: Record<string, string>): Promise<{ status: number; headers: Map<string, string> }> {
    this.cseq += 1;
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${this.cseq}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    this.buffered = '';
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.buffered.slice(0, end).split('\r\n');
        const length = Number(/content-length: *(\d+)/i.exec(this.buffered.slice(0, end))?.[1] ?? '0');
        if (this.buffered.length >= end + 4 + length) {
          const status = Number(/^RTSP\/1\.0 (\d{3})/.exec(head[0] ?? '')?.[1] ?? '0');
          const map = new Map(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
          return { status, headers: map };
        }
      }
      if (Date.now() > deadline) throw new Error(`no RTSP reply to ${method} within 5 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('camera simulator: RTSP media', { timeout: 110_000 }, () => {
  let sim: Simulator;
  let cams: [SimulatedCamera, SimulatedCamera];

  before(async () => {
    sim = await startSimulator({
      cameras: 2,
      // Own loopback address per camera and one port for all, like real cameras on a LAN.
      host: (index) => `127.0.77.${index + 1}`,
      rtspPort: 10_000 + (process.pid % 20_000),
      username: 'viewer',
      password: 'p@ss:w0rd',
      serialPrefix: `HRTH-T${process.pid % 10_000}`,
    });
    const [a, b] = sim.cameras;
    assert.ok(a !== undefined && b !== undefined);
    cams = [a, b];
  });

  after(async () => {
    await sim?.stop();
  });

  it('serves main 1280x720 and sub 640x360 H.264 over TCP and UDP with Digest credentials', async () => {
    for (const cam of cams) {
      const results = await Promise.all(
        (['tcp', 'udp'] as const).flatMap((transport) =>
          (['main', 'sub'] as const).map(async (stream) => ({ transport, stream, result: await probe(cam.rtspUrl(stream, true), transport) })),
        ),
      );
      for (const { transport, stream, result } of results) {
        assert.equal(result.code, 0, `${cam.serial} ${stream} over ${transport}: ${result.stderr}`);
        const video = result.streams.find((s) => s.codec_name === 'h264');
        const expected = stream === 'main' ? [1280, 720] : [640, 360];
        assert.deepEqual([video?.width, video?.height], expected, `${cam.serial} ${stream} over ${transport}`);
      }
    }
  });

  it('answers 401 to a wrong password, and keeps answering 401', async () => {
    const cam = cams[0];
    const url = cam.rtspUrl('sub').replace('rtsp://', `rtsp://${cam.credentials.username}:wrong@`);
    const result = await probe(url, 'tcp');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /401 Unauthorized/);
    const client = await RawRtspClient.connect(cam.rtspUrl('sub'), cam.credentials.username, 'wrong');
    try {
      for (let i = 0; i < 3; i += 1) assert.equal((await client.request('DESCRIBE', cam.rtspUrl('sub'))).status, 401);
    } finally {
      client.close();
    }
  });

  it("burns each camera's code and the wall clock into both streams (frames decoded over TCP and UDP)", async () => {
    for (const cam of cams) {
      for (const [stream, transport] of [['main', 'tcp'], ['sub', 'udp']] as const) {
        const { cameraCode, skewSec } = await frameCodeAt(cam.rtspUrl(stream, true), transport);
        assert.equal(cameraCode, cameraCodeForSerial(cam.serial), `${cam.serial} ${stream}`);
        assert.ok(Math.abs(skewSec) <= 3, `${cam.serial} ${stream}: burnt-in clock is ${skewSec} s off`);
      }
    }
    assert.notEqual(cams[0].cameraCode, cams[1].cameraCode);
  });

  it('gives JSON ground truth anchored near the start, covering now + one period', () => {
    const truth = JSON.parse(JSON.stringify(cams[0].groundTruth())) as ReturnType<SimulatedCamera['groundTruth']>;
    assert.equal(truth.serial, cams[0].serial);
    assert.ok(Math.abs(truth.burntClockOffsetMs) < 2_000, `burnt clock offset ${truth.burntClockOffsetMs} ms`);
    assert.ok(truth.sceneStartedAtMs <= Date.now() && truth.sceneStartedAtMs > Date.now() - 120_000);
    const person = truth.intervals.find((i) => i.kind === 'person');
    assert.deepEqual(person && [person.startMs - truth.sceneStartedAtMs, person.endMs - truth.sceneStartedAtMs], [20_000, 28_000]);
    assert.ok((truth.intervals.at(-1)?.startMs ?? 0) > Date.now(), 'intervals reach into the next period');
  });

  it('refuses a fifth concurrent session with 453 Not Enough Bandwidth', async () => {
    const cam = cams[1];
    const clients: RawRtspClient[] = [];
    try {
      for (let i = 0; i < 4; i += 1) {
        const client = await RawRtspClient.connect(cam.rtspUrl('sub'), cam.credentials.username, cam.credentials.password);
        clients.push(client);
        assert.equal(await client.setupSession(), 200, `session ${i + 1} of 4`);
      }
      const fifth = await RawRtspClient.connect(cam.rtspUrl('sub'), cam.credentials.username, cam.credentials.password);
      clients.push(fifth);
      assert.equal(await fifth.setupSession(), 453);
      const probeResult = await probe(cam.rtspUrl('main', true), 'tcp');
      assert.match(probeResult.stderr, /453/);
    } finally {
      for (const c of clients) c.close();
    }
    // Closing the connections frees the slots.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await probe(cam.rtspUrl('sub', true), 'tcp')).code, 0);
  });

  it('refuses connections while offline and serves again once online', async () => {
    const cam = cams[0];
    const url = cam.rtspUrl('sub', true);
    await cam.setOffline();
    const down = await probe(url, 'tcp');
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /Connection refused/);
    await cam.setOnline();
    const up = await probe(url, 'tcp');
    assert.equal(up.code, 0, up.stderr);
  });

  it('a frozen camera keeps the connection but sends nothing', async () => {
    const cam = cams[1];
    cam.freeze(true);
    try {
      const started = Date.now();
      const result = await run(ffprobePathSync(), ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '2000000', cam.rtspUrl('sub', true)]);
      assert.notEqual(result.code, 0);
      assert.ok(Date.now() - started >= 1_900, 'ffprobe waited for its timeout, the TCP connection was accepted');
    } finally {
      cam.freeze(false);
    }
    assert.equal((await probe(cam.rtspUrl('sub', true), 'tcp')).code, 0);
  });

  it("after swapAddresses, camera A's old URL shows camera B's code", async () => {
    const [a, b] = cams;
    const oldUrlOfA = a.rtspUrl('sub', true);
    const oldUrlOfB = b.rtspUrl('sub', true);
    const moves: string[] = [];
    const unsubscribe = a.onAddressChange((now) => moves.push(`${now.host}:${now.rtspPort}`));
    await sim.swapAddresses(a, b);
    unsubscribe();
    assert.equal(a.rtspUrl('sub', true), oldUrlOfB);
    assert.equal(b.rtspUrl('sub', true), oldUrlOfA);
    assert.equal(moves.length, 1);
    assert.equal((await frameCodeAt(oldUrlOfA)).cameraCode, b.cameraCode);
    assert.equal((await frameCodeAt(oldUrlOfB)).cameraCode, a.cameraCode);
  });

  it('comes back from a storm restart with every camera serving', async () => {
    await sim.stormRestart(300);
    const results = await Promise.all(cams.map((cam) => probe(cam.rtspUrl('sub', true), 'tcp')));
    for (const result of results) assert.equal(result.code, 0, result.stderr);
  });

  it('grabs a JPEG snapshot from its own sub stream', async () => {
    const jpeg = await cams[0].snapshotJpeg();
    assert.equal(jpeg.subarray(0, 2).toString('hex'), 'ffd8');
  });
});
