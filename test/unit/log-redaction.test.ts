/** Passwords in URLs never leave the process as text: log lines and camera errors are redacted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactCredentials } from '../../src/net/redactCredentials.ts';
import { createLogger } from '../../src/log.ts';

test('redactCredentials hides the password of every URL in a text and keeps the rest', () => {
  assert.equal(
    redactCredentials('ffmpeg: rtsp://admin:hearth-sim@127.0.0.1:46759/stream1: Connection refused'),
    'ffmpeg: rtsp://admin:***@127.0.0.1:46759/stream1: Connection refused',
  );
  assert.equal(redactCredentials('a mqtt://u:p%40ss@10.0.0.2 and rtsps://x:y@[fd00::1]/s'), 'a mqtt://u:***@10.0.0.2 and rtsps://x:***@[fd00::1]/s');
  assert.equal(redactCredentials('http://192.168.1.20/onvif/device_service'), 'http://192.168.1.20/onvif/device_service');
  assert.equal(redactCredentials('no url: user:pass@host'), 'no url: user:pass@host');
});

test('the logger redacts URL passwords in messages and fields', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', sink: { write: (line) => lines.push(line) } });
  log.warn('camera retrying: rtsp://admin:s3cret@192.168.1.20/stream1 refused', { camera: 'porch', url: 'rtsp://admin:s3cret@192.168.1.20/stream1' });
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0]!, /s3cret/);
  assert.match(lines[0]!, /rtsp:\/\/admin:\*\*\*@192\.168\.1\.20\/stream1/);
});
