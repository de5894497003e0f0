/**
 * Run inside a private network namespace (see server-lan.test.ts): starts Hearth through
 * its composition root on 0.0.0.0 and asks it for /api/health from a loopback source and
 * from a public-looking one (203.0.113.1, TEST-NET-3, present only in the namespace).
 * Prints one JSON line of status codes.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHearth } from '../../src/hearth.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { silentLogger } from '../../src/log.ts';

const publicAddress = process.argv[2] ?? '203.0.113.1';
const allowNonLan = process.argv[3] === 'allow';

function get(host: string, localAddress: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/api/health', localAddress }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-lan-'));
const config = { ...defaultConfig(), dataDir, http: { port: 0, host: '0.0.0.0', allowNonLan }, discovery: { ...defaultConfig().discovery, enabled: false } };
const hearth = await startHearth(config, silentLogger);
try {
  const port = hearth.http.port;
  const lan = await get('127.0.0.1', '127.0.0.1', port);
  const outside = await get(publicAddress, publicAddress, port);
  process.stdout.write(`${JSON.stringify({ lan: lan.status, outside: outside.status, outsideBody: outside.body })}\n`);
} finally {
  await hearth.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
