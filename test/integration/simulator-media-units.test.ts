/**
 * The simulator's pure parts, without ffmpeg: frame code reader, scene ground truth,
 * RTSP framing, Digest, H.264 keyframe detection, filter graph quoting, and the bounded
 * queue of a TCP client that stops reading. Plus one real camera with audio.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, it } from 'node:test';
import { serializeFilterGraph } from '../../src/simulator/ffmpegArgs.ts';
import { ffprobePathSync } from '../../src/ffmpeg/locate.ts';
import {
  cameraCodeForSerial,
  constantCellValues,
  frameCodeCellOrigin,
  frameCodeCellPx,
  frameCodeStrip,
  readFrameCode,
  wallSecondsBits,
  wallSecondsCellIndex,
  wallSecondsDiff,
} from '../../src/simulator/frameCode.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { DigestAuthenticator } from '../../src/simulator/rtsp/digestAuth.ts';
import { carriesH264Keyframe } from '../../src/simulator/rtsp/rtpPacket.ts';
import { maxQueuedBytes, RtspSession } from '../../src/simulator/rtsp/rtspSession.ts';
import { RtspProtocolError, RtspRequestReader } from '../../src/simulator/rtsp/rtspMessage.ts';
import { sceneScript, scriptIntervals } from '../../src/simulator/scene.ts';

/** Paints a code the way the encoder's filter graph does, at any scale of the 640 px layout. */
function paintCode(cameraCode: number, wallSeconds: number, scale: number): { gray: Uint8Array; width: number; height: number } {
  const width = 640 * scale;
  const height = 360 * scale;
  const gray = new Uint8Array(width * height).fill(120);
  const fill = (x: number, y: number, w: number, h: number, value: number): void => {
    for (let row = y * scale; row < (y + h) * scale; row += 1) gray.fill(value, row * width + x * scale, row * width + (x + w) * scale);
  };
  fill(0, 0, frameCodeStrip.width, frameCodeStrip.height, 0);
  const cells = constantCellValues(cameraCode);
  for (let bit = 0; bit < wallSecondsBits; bit += 1) cells[wallSecondsCellIndex(bit)] = ((wallSeconds >>> bit) & 1) === 1;
  cells.forEach((white, index) => {
    const { x, y } = frameCodeCellOrigin(index);
    if (white) fill(x, y, frameCodeCellPx, frameCodeCellPx, 255);
  });
  return { gray, width, height };
}

describe('frame code', () => {
  it('reads back what was painted at 640x360 and 1280x720', () => {
    for (const scale of [1, 2]) {
      const painted = paintCode(0xa5c3, 0xabcdef, scale);
      assert.deepEqual(readFrameCode(painted.gray, painted.width, painted.height), { cameraCode: 0xa5c3, wallSeconds: 0xabcdef });
    }
  });

  it('returns null for frames without a code', () => {
    assert.equal(readFrameCode(new Uint8Array(640 * 360).fill(255), 640, 360), null);
    assert.equal(readFrameCode(new Uint8Array(640 * 360).fill(0), 640, 360), null);
    assert.equal(readFrameCode(new Uint8Array(640 * 360).fill(128), 640, 360), null);
  });

  it('derives distinct 16-bit codes from serials and handles the 2^24 clock wrap', () => {
    const codes = new Set(Array.from({ length: 16 }, (_, i) => cameraCodeForSerial(`HRTH-SIM-${String(i + 1).padStart(4, '0')}`)));
    assert.equal(codes.size, 16);
    for (const code of codes) assert.ok(code >= 0 && code <= 0xffff);
    assert.equal(wallSecondsDiff(1, 2 ** 24 - 1), 2);
  });
});

describe('scene ground truth', () => {
  it('repeats the scripted intervals every period, up to the requested end', () => {
    const start = 1_000_000;
    const intervals = scriptIntervals(sceneScript('default'), start, start + 250_000);
    assert.deepEqual(
      intervals.map((i) => [i.kind, i.startMs - start, i.endMs - start]),
      [['person', 20_000, 28_000], ['person', 140_000, 148_000]],
    );
    const light = scriptIntervals(sceneScript('brightness'), start, start + 120_000);
    assert.ok(light.length > 0 && light.every((i) => i.kind === 'light'));
    assert.deepEqual(scriptIntervals(sceneScript('still'), start, start + 500_000), []);
  });
});

describe('RTSP framing and auth', () => {
  it('splits requests and interleaved frames across arbitrary chunk boundaries', () => {
    const wire = Buffer.concat([
      Buffer.from('OPTIONS rtsp://h/s RTSP/1.0\r\nCSeq: 1\r\n\r\n'),
      Buffer.from([0x24, 1, 0, 3, 9, 9, 9]),
      Buffer.from('SET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 4\r\n\r\nab\r\n'),
    ]);
    const reader = new RtspRequestReader();
    const chunks = [];
    for (let i = 0; i < wire.length; i += 5) chunks.push(...reader.push(wire.subarray(i, i + 5)));
    assert.deepEqual(
      chunks.map((c) => (c.type === 'request' ? `${c.request.method} ${c.request.headers.get('cseq')} ${c.request.body.length}` : `$${c.channel} ${c.payload.length}`)),
      ['OPTIONS 1 0', '$1 3', 'SET_PARAMETER 2 4'],
    );
    assert.throws(() => new RtspRequestReader().push(Buffer.alloc(70_000, 65)), RtspProtocolError);
  });

  it('accepts Digest with and without qop, and only for nonces it issued', () => {
    const auth = new DigestAuthenticator('cam', () => ({ username: 'u', password: 'p' }));
    const nonce = /nonce="([^"]+)"/.exec(auth.challenge())?.[1] ?? '';
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const ha1 = md5('u:cam:p');
    const ha2 = md5('DESCRIBE:rtsp://h/s');
    const plain = `Digest username="u", realm="cam", nonce="${nonce}", uri="rtsp://h/s", response="${md5(`${ha1}:${nonce}:${ha2}`)}"`;
    assert.equal(auth.verify('DESCRIBE', plain), true);
    assert.equal(auth.verify('SETUP', plain), false, 'the method is part of the digest');
    const qop = `Digest username="u", realm="cam", nonce="${nonce}", uri="rtsp://h/s", qop=auth, nc=00000001, cnonce="c", response="${md5(`${ha1}:${nonce}:00000001:c:auth:${ha2}`)}"`;
    assert.equal(auth.verify('DESCRIBE', qop), true);
    assert.equal(auth.verify('DESCRIBE', plain.replaceAll(nonce, 'f'.repeat(32))), false, 'unknown nonce');
  });

  it('finds keyframe starts in single NAL, STAP-A and FU-A payloads', () => {
    assert.equal(carriesH264Keyframe(Buffer.from([0x67, 0])), true); // SPS
    assert.equal(carriesH264Keyframe(Buffer.from([0x41, 0])), false); // P slice
    assert.equal(carriesH264Keyframe(Buffer.from([0x7c, 0x85, 0])), true); // FU-A start of IDR
    assert.equal(carriesH264Keyframe(Buffer.from([0x7c, 0x05, 0])), false); // FU-A middle of IDR
    assert.equal(carriesH264Keyframe(Buffer.from([0x78, 0, 2, 0x09, 0xf0, 0, 2, 0x67, 0])), true); // STAP-A: AUD, SPS
  });

  it('refuses filter option values it cannot quote safely', () => {
    assert.equal(
      serializeFilterGraph([{ inputs: ['0:v'], steps: [{ name: 'eq', options: [['brightness', 'if(lt(t,1),0.1,0)'], ['eval', 'frame']] }], outputs: ['out'] }]),
      "[0:v]eq=brightness='if(lt(t,1),0.1,0)':eval=frame[out]",
    );
    assert.throws(() => serializeFilterGraph([{ inputs: [], steps: [{ name: 'drawtext', options: [['text', 'a:b']] }], outputs: ['x'] }]));
  });
});

describe('a TCP client that stops reading', () => {
  it('gets packets dropped with a bounded queue, then is disconnected', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect(port, '127.0.0.1');
    client.pause(); // never reads
    const serverSide = await accepted;
    const udp = { rtp: dgram.createSocket('udp4'), rtcp: dgram.createSocket('udp4') };
    let disconnected = false;
    const session = new RtspSession('S1', '/stream1', {
      connection: serverSide,
      udp,
      isFrozen: () => false,
      onBacklogged: (socket) => {
        disconnected = true;
        socket.destroy();
      },
      maxBackloggedMs: 200,
    });
    try {
      const transport = { mode: 'tcp', rtpChannel: 0, rtcpChannel: 1 } as const;
      const packet = Buffer.alloc(1200, 1);
      let dropped = 0;
      for (let i = 0; i < 50_000 && dropped === 0; i += 1) if (!session.send(transport, 'rtp', packet)) dropped += 1;
      assert.equal(dropped, 1, 'a packet was dropped within 60 MB of writes');
      assert.ok(serverSide.writableLength <= maxQueuedBytes + 1300, `queued ${serverSide.writableLength} bytes`);
      await new Promise((r) => setTimeout(r, 300));
      session.send(transport, 'rtp', packet);
      assert.equal(disconnected, true);
    } finally {
      session.close();
      client.destroy();
      udp.rtp.close();
      udp.rtcp.close();
      server.close();
    }
  });
});

describe('camera with audio', { timeout: 40_000 }, () => {
  it('serves H.264 and AAC on one URL, and survives its encoder being killed', async () => {
    const sim = await startSimulator({ cameras: 1, audio: true, scene: 'still', serialPrefix: `HRTH-A${process.pid % 10_000}` });
    try {
      const cam = sim.cameras[0];
      assert.ok(cam !== undefined);
      const codecs = await new Promise<string>((resolve, reject) => {
        execFile(
          ffprobePathSync(),
          ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '5000000', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', cam.rtspUrl('main', true)],
          { timeout: 15_000 },
          (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${error.message}: ${stderr}`))),
        );
      });
      assert.deepEqual(codecs.trim().split('\n').sort(), ['aac', 'h264']);

      // A crashed encoder is restarted and the scene (and its ground truth) continues.
      const sceneStartedAtMs = cam.groundTruth().sceneStartedAtMs;
      const killed = cam.encoderPid;
      assert.ok(killed !== undefined);
      process.kill(killed, 'SIGKILL');
      const deadline = Date.now() + 15_000;
      while (cam.encoderPid === killed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.notEqual(cam.encoderPid, killed, 'a new encoder was started');
      const probeAgain = await new Promise<number | null>((resolve) => {
        execFile(ffprobePathSync(), ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '5000000', cam.rtspUrl('sub', true)], { timeout: 15_000 }, (error) =>
          resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : null),
        );
      });
      assert.equal(probeAgain, 0);
      assert.equal(cam.groundTruth().sceneStartedAtMs, sceneStartedAtMs);
    } finally {
      await sim.stop();
    }
  });
});
