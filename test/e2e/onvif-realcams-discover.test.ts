/**
 * `hearth discover --json` with credentials against replayed real cameras (private
 * WS-Discovery port, loopback-pinned): the Hikvision that lists its IPv6 link-local
 * XAddr first is asked at its IPv4 one, the Digest-only TVT answers, and the optional
 * fields a camera lacks are notes, not errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { realcamsSkipReason, startRealcamReplay, type RealcamReplay } from '../helpers/realcamReplay.ts';
import { runHearth, type CommandResult } from '../helpers/hearthProcess.ts';

const skip = realcamsSkipReason();
const discoveryPort = 40_000 + ((process.pid + 15_000) % 20_000);
const username = 'admin';
const password = 'replay-Pass1';

interface DiscoverRow {
  urn: string;
  address: string;
  xaddrs: string[];
  serial?: string | null;
  details?: { xaddr: string; error: string | null; mac: string | null; snapshotUri: string | null; notes: string[]; streams: { main: { token: string }; sub: { token: string } | null } | null };
}

const runDiscover = (args: string[], stdin: string): Promise<CommandResult> =>
  runHearth(['discover', ...args], { env: { HEARTH_WSD_PORT: String(discoveryPort) }, input: stdin, timeoutMs: 50_000 });

describe('hearth discover against replayed real cameras', { skip }, () => {
  let hikvision: RealcamReplay;
  let tvt: RealcamReplay;
  before(async () => {
    hikvision = await startRealcamReplay({ model: 'hikvision-ds2df7286', variants: ['ipv6-first'], discoveryPort, username, password });
    tvt = await startRealcamReplay({ model: 'tvt-oem-ipc', discoveryPort, username, password });
  });
  after(async () => {
    await hikvision?.close();
    await tvt?.close();
  });

  test('each camera is listed with its serial, asked at its IPv4 XAddr; the TVT\'s missing snapshot is a note', { timeout: 60_000 }, async () => {
    const result = await runDiscover(['--json', '--interface', 'lo', '--username', username, '--password-stdin'], `${password}\n`);
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as DiscoverRow[];
    const hik = rows.find((row) => row.urn === hikvision.urn);
    assert.ok(hik, result.stdout);
    assert.equal(hik.serial, 'DS-2DF7286-A20140705CCWR471699220B');
    assert.equal(hik.address, '127.0.0.1', 'shown at its IPv4 address');
    assert.match(hik.xaddrs[0]!, /^http:\/\/127\.0\.0\.1:/, 'IPv4 XAddr listed first');
    assert.equal(hik.details?.xaddr, hikvision.deviceUrl);
    assert.equal(hik.details?.streams?.main.token, 'Profile_2');
    assert.equal(hikvision.connections.ipv6, 0, 'the IPv6 link-local XAddr was never contacted');

    const camera = rows.find((row) => row.urn === tvt.urn);
    assert.equal(camera?.serial, '008424430F69');
    assert.equal(camera?.details?.error, null);
    assert.equal(camera?.details?.snapshotUri, null);
    assert.equal(camera?.details?.mac, '00:18:ae:00:00:01');
    assert.ok(camera?.details?.notes.some((note) => /snapshot/.test(note)), JSON.stringify(camera?.details?.notes));
    assert.deepEqual([camera?.details?.streams?.main.token, camera?.details?.streams?.sub?.token], ['profile_token_1', 'profile_token_3']);
  });

  test('a wrong password is reported per device as a refused password, and the command still succeeds', { timeout: 60_000 }, async () => {
    const result = await runDiscover(['--json', '--interface', 'lo', '--username', username, '--password-stdin'], 'wrong\n');
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as DiscoverRow[];
    for (const urn of [hikvision.urn, tvt.urn]) {
      const row = rows.find((r) => r.urn === urn);
      assert.equal(row?.serial, null);
      assert.match(row?.details?.error ?? '', /rejected the credentials/);
    }
  });
});
