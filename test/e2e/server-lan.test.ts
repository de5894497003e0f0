/** LAN only (docs/DESIGN.md, "LAN only"): requests from outside the private ranges get 403 unless the admin opted in. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import { lanOnly } from '../../src/http/lanOnly.ts';

function run(remoteAddress: string, allowNonLan: boolean): { status: number; passed: boolean; body: unknown } {
  let status = 200;
  let body: unknown = null;
  let passed = false;
  const req = { socket: { remoteAddress } } as unknown as Request;
  const res = {
    status(code: number) {
      status = code;
      return this;
    },
    json(value: unknown) {
      body = value;
      return this;
    },
  } as unknown as Response;
  lanOnly(allowNonLan)(req, res, () => {
    passed = true;
  });
  return { status, passed, body };
}

test('the middleware passes loopback, RFC 1918, link-local and ULA, and refuses everything else with 403', () => {
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '172.31.255.1', '192.168.1.20', '169.254.10.1', '::1', '::ffff:192.168.1.20', 'fd12:3456::1', 'fe80::1%eth0']) {
    assert.equal(run(address, false).passed, true, address);
  }
  for (const address of ['203.0.113.1', '8.8.8.8', '172.32.0.1', '100.64.0.1', '::ffff:8.8.8.8', '2001:db8::1', '', 'garbage']) {
    const result = run(address, false);
    assert.equal(result.passed, false, address);
    assert.equal(result.status, 403, address);
    assert.match((result.body as { message: string }).message, /only the local network/);
  }
  assert.equal(run('8.8.8.8', true).passed, true, 'allowNonLan opts in');
});

test('a real request from a non-LAN source address gets 403 (inside a private network namespace)', async (t) => {
  const probe = fileURLToPath(new URL('../helpers/nonLanProbe.ts', import.meta.url));
  const script = (allow: string) =>
    `ip link set lo up && ip addr add 203.0.113.1/32 dev lo && exec "${process.execPath}" --import tsx "${probe}" 203.0.113.1 ${allow}`;
  const inNamespace = (allow: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile('unshare', ['-rn', 'sh', '-c', script(allow)], { timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  const refused = await inNamespace('deny');
  if (refused.code !== 0 && /unshare|Operation not permitted/.test(refused.stderr)) {
    t.skip(`no user+network namespaces here: ${refused.stderr.trim()}`);
    return;
  }
  assert.equal(refused.code, 0, refused.stderr);
  const result = JSON.parse(refused.stdout.trim()) as { lan: number; outside: number; outsideBody: string };
  assert.equal(result.lan, 200);
  assert.equal(result.outside, 403);
  assert.match(result.outsideBody, /requests from 203\.0\.113\.1 are refused/);
  const allowed = JSON.parse((await inNamespace('allow')).stdout.trim()) as { outside: number };
  assert.equal(allowed.outside, 200, 'http.allowNonLan: true lets it through');
});
