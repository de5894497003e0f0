/**
 * Why a recorder run ended, from real ffmpeg error lines against real loopback servers:
 * a closed port, something that answers but is no RTSP camera, and a camera refusing the
 * password. The homeowner's message must point at what to fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { classifyExit } from '../../src/recording/run/failureReason.ts';
import type { RecorderExit } from '../../src/recording/recorderProcess.ts';

/** ffmpeg reading `url` the way the recorder does (TCP, level-tagged errors), bounded to 20 s. */
function ffmpegExit(url: string): Promise<RecorderExit> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'level+error', '-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', url, '-t', '1', '-f', 'null', '-'], { timeout: 20_000 }, (error, _stdout, stderr) => {
      const errorLines = stderr.split('\n').filter((l) => /^\[(error|fatal)\]/.test(l));
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, signal: (error?.signal as NodeJS.Signals | undefined) ?? null, errorLines, ranMs: Date.now() - started });
    });
  });
}

/** A loopback TCP server answering every connection's first request with `reply(request)`. */
async function serve(reply: (request: string) => string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      if (!buffered.includes('\r\n\r\n')) return;
      const request = buffered;
      buffered = '';
      const answer = reply(request);
      // A web server closes after its answer; a camera keeps the RTSP session open.
      if (answer.startsWith('HTTP/')) socket.end(answer);
      else socket.write(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const cseq = (request: string): string => /CSeq:\s*(\d+)/i.exec(request)?.[1] ?? '1';

test('ffmpeg failures are told apart: refused, not an RTSP camera, wrong password', { timeout: 90_000 }, async () => {
  // Nothing listens: connection refused.
  const closed = await serve(() => '');
  const closedPort = closed.port;
  await closed.close();
  const refused = classifyExit(await ffmpegExit(`rtsp://127.0.0.1:${closedPort}/stream1`), null, 0);
  assert.equal(refused.kind, 'unreachable');
  assert.match(refused.detail, /Connection refused/i);

  // A web server (say, the camera's HTTP port by mistake) answers, but with no RTSP.
  const web = await serve(() => 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
  try {
    const notRtsp = classifyExit(await ffmpegExit(`rtsp://127.0.0.1:${web.port}/stream1`), null, 0);
    assert.equal(notRtsp.kind, 'unreachable');
    assert.match(notRtsp.detail, /Invalid data found.*the address answered but sent no readable video; check the port and path of the stream URL/);
  } finally {
    await web.close();
  }

  // An RTSP camera refusing the credentials.
  const camera = await serve((request) => `RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq(request)}\r\nWWW-Authenticate: Basic realm="camera"\r\n\r\n`);
  try {
    const auth = classifyExit(await ffmpegExit(`rtsp://admin:wrong@127.0.0.1:${camera.port}/stream1`), null, 0);
    assert.equal(auth.kind, 'auth');
  } finally {
    await camera.close();
  }
});
