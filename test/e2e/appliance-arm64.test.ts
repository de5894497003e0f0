import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const proof = fileURLToPath(new URL('../../scripts/arm64-proof.sh', import.meta.url));
const wanted = process.env.HEARTH_ARM64_PROOF === '1';
const isRoot = process.getuid?.() === 0;

// Emulating a Pi is slow (apt under qemu, better-sqlite3 compiled under qemu): tens of
// minutes, so it runs only when asked for. The root is cached in /var/tmp/hearth-arm64.
test('arm64 proof: install.sh in a debootstrap arm64 bookworm root under qemu; Hearth there records a simulated camera for 60 s and serves its API', {
  skip: !wanted ? 'set HEARTH_ARM64_PROOF=1 to run the arm64 (qemu) proof; it takes tens of minutes' : !isRoot && 'needs root (debootstrap, chroot, binfmt_misc)',
  timeout: 3 * 60 * 60 * 1000,
}, async () => {
  const child = spawn('bash', [proof], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    process.stderr.write(d); // progress, for whoever waits on it
  });
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `arm64-proof.sh failed:\n${output.slice(-4000)}`);
  const ok = /arm64-proof: OK arch=arm64 node=v20\.\S+ .*segments=(\d+) video=(\d+)s/.exec(output);
  assert.ok(ok, `no OK line:\n${output.slice(-2000)}`);
  assert.ok(Number(ok[1]) >= 3 && Number(ok[2]) >= 40, `recorded ${ok[1]} segments, ${ok[2]} s`);
});
