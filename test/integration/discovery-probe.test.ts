/**
 * WS-Discovery: Hearth's pinned prober against simulated cameras on loopback,
 * and against hostile responders. Every socket here goes through the one
 * multicast helper, pinned to 127.0.0.1 with TTL 1.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { connectOnvif } from '../../src/discovery/onvifClient.ts';
import {
  MulticastInterfaceRequiredError,
  openPinnedMulticastSocket,
  wsDiscoveryGroup,
  wsDiscoveryPort,
  type PinnedSocket,
} from '../../src/discovery/multicastSocket.ts';
import { probe, probeDetailed, readProbeMatches } from '../../src/discovery/wsDiscoveryProbe.ts';
import { startDiscoveryResponder } from '../../src/simulator/onvif/discoveryResponder.ts';
import { elementText } from '../../src/discovery/xmlText.ts';
import { startFleet, stopFleet, type SimulatedCamera } from '../helpers/simulatedOnvifFleet.ts';

const loopback = '127.0.0.1';
const probeTimeoutMs = 700;

/** A port of our own for hostile responders, so other runs on this host never see their replies. */
function privatePort(): number {
  return 40_000 + (process.pid % 20_000);
}

function probeReply(relatesTo: string, urn: string, xaddrs: string, extra = ''): string {
  return (
    '<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">' +
    `<e:Header><w:RelatesTo>${relatesTo}</w:RelatesTo></e:Header><e:Body><d:ProbeMatches><d:ProbeMatch>` +
    `<w:EndpointReference><w:Address>${urn}</w:Address></w:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>` +
    `<d:Scopes>onvif://www.onvif.org/name/Hostile</d:Scopes><d:XAddrs>${xaddrs}</d:XAddrs>${extra}` +
    '</d:ProbeMatch></d:ProbeMatches></e:Body></e:Envelope>'
  );
}

/** A listener that answers only the NetworkVideoTransmitter probe with whatever `replies` returns. */
async function hostileResponder(replies: (messageId: string) => Array<Buffer | string>): Promise<PinnedSocket> {
  const pinned = await openPinnedMulticastSocket({ interfaceAddress: loopback, role: 'listener', port: privatePort() });
  pinned.socket.on('message', (message: Buffer, remote: RemoteInfo) => {
    const text = message.toString('utf8');
    const messageId = elementText(text, 'MessageID');
    if (messageId === undefined || !text.includes('NetworkVideoTransmitter')) return;
    for (const reply of replies(messageId)) pinned.socket.send(reply, remote.port, remote.address);
  });
  return pinned;
}

describe('the multicast helper', () => {
  test('refuses to create a socket without an explicit local IPv4 interface address', async () => {
    for (const bad of ['', '0.0.0.0', 'eth0', '239.255.255.250', '255.255.255.255', '::1', undefined]) {
      await assert.rejects(
        openPinnedMulticastSocket({ interfaceAddress: bad as string, role: 'sender' }),
        MulticastInterfaceRequiredError,
        `accepted ${String(bad)}`,
      );
    }
    await assert.rejects(probe({ interfaceAddresses: ['0.0.0.0'], timeoutMs: 100 }), MulticastInterfaceRequiredError);
    await assert.rejects(
      startDiscoveryResponder({ interfaceAddress: '', endpointUrn: 'urn:uuid:x', xaddrs: () => [], scopes: () => ({ name: '', hardware: '', location: '' }) }),
      MulticastInterfaceRequiredError,
    );
  });

  test('binds a sender to the interface address it was given', async () => {
    const pinned = await openPinnedMulticastSocket({ interfaceAddress: loopback, role: 'sender' });
    try {
      assert.equal(pinned.interfaceAddress, loopback);
      assert.equal(pinned.socket.address().address, loopback);
    } finally {
      await pinned.close();
    }
  });
});

describe('WS-Discovery probe against simulated cameras', () => {
  let cameras: SimulatedCamera[] = [];

  before(async () => {
    cameras = await startFleet({ count: 4 });
  });
  after(async () => {
    await stopFleet(cameras);
  });

  test('a probe pinned to 127.0.0.1 finds all 4 with XAddrs and serial-bearing scopes within the timeout', async () => {
    const started = Date.now();
    const devices = await probe({ interfaceAddresses: [loopback], timeoutMs: probeTimeoutMs });
    const elapsedMs = Date.now() - started;
    assert.ok(elapsedMs < probeTimeoutMs + 3000, `took ${elapsedMs} ms (bounded by the probe timeout, with room for a loaded machine)`);
    for (const camera of cameras) {
      const found = devices.filter((device) => device.urn === camera.urn);
      assert.equal(found.length, 1, `camera ${camera.serialNumber} found ${found.length} times`);
      const [device] = found;
      assert.ok(device);
      assert.deepEqual(device.xaddrs, [camera.service.url]);
      assert.ok(device.scopes.some((scope) => scope.includes(encodeURIComponent(camera.serialNumber))));
      assert.equal(device.name, `Sim Camera ${camera.serialNumber}`);
      assert.equal(device.hardware, 'HS-100');
      assert.ok(device.types.includes('dn:NetworkVideoTransmitter'));
      assert.ok(device.scopes.includes('onvif://www.onvif.org/type/video_encoder'));
      assert.ok(device.scopes.includes('onvif://www.onvif.org/location/test%20bench'));
      assert.equal(device.fromAddress, loopback);
    }
  });

  test('responders answer a probe without Types, and ignore one for another device type', async () => {
    const ask = async (typesXml: string): Promise<string[]> => {
      const sender = await openPinnedMulticastSocket({ interfaceAddress: loopback, role: 'sender' });
      const messageId = `urn:uuid:${randomUUID()}`;
      const replies: string[] = [];
      sender.socket.on('message', (message: Buffer) => replies.push(message.toString('utf8')));
      const probeXml =
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">' +
        `<s:Header><a:MessageID>${messageId}</a:MessageID><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>` +
        `<s:Body><d:Probe>${typesXml}</d:Probe></s:Body></s:Envelope>`;
      sender.socket.send(probeXml, wsDiscoveryPort, wsDiscoveryGroup);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await sender.close();
      return replies.filter((reply) => elementText(reply, 'RelatesTo') === messageId);
    };
    const urnsIn = (replies: string[]): string[] => replies.map((reply) => elementText(reply, 'Address') ?? '');

    const untyped = await ask('');
    for (const camera of cameras) assert.ok(urnsIn(untyped).includes(camera.urn), `${camera.serialNumber} did not answer an untyped probe`);
    assert.ok(untyped.every((reply) => elementText(reply, 'MetadataVersion') === '1'));

    const printers = await ask('<d:Types xmlns:p="urn:printers">p:Printer</d:Types>');
    for (const camera of cameras) assert.ok(!urnsIn(printers).includes(camera.urn));
  });

  test('discovered XAddrs lead to the right camera through the ONVIF wrapper', async () => {
    const devices = await probe({ interfaceAddresses: [loopback], timeoutMs: probeTimeoutMs });
    for (const camera of cameras) {
      const device = devices.find((candidate) => candidate.urn === camera.urn);
      const xaddr = device?.xaddrs[0];
      assert.ok(xaddr);
      const client = await connectOnvif({ url: xaddr, username: camera.username, password: camera.password, timeoutMs: 5000 });
      try {
        assert.equal((await client.getDeviceIdentity()).serialNumber, camera.serialNumber);
      } finally {
        client.close();
      }
    }
  });
});

describe('a camera that changes address', () => {
  test('is found by discovery and reachable through the wrapper at its new address', async () => {
    const fleet = await startFleet({ count: 1, serialPrefix: `MOVE${process.pid}` });
    const camera = fleet[0];
    assert.ok(camera);
    try {
      const oldUrl = camera.service.url;
      await camera.service.moveTo('127.0.0.2');
      assert.notEqual(camera.service.url, oldUrl);
      assert.match(camera.service.url, /^http:\/\/127\.0\.0\.2:\d+\/onvif\/device_service$/);
      const devices = await probe({ interfaceAddresses: [loopback], timeoutMs: probeTimeoutMs });
      const xaddr = devices.find((device) => device.urn === camera.urn)?.xaddrs[0];
      assert.equal(xaddr, camera.service.url);
      const client = await connectOnvif({ url: xaddr, username: camera.username, password: camera.password, timeoutMs: 5000 });
      try {
        assert.equal((await client.getDeviceIdentity()).serialNumber, camera.serialNumber);
        assert.match(await client.getSnapshotUri(), /^http:\/\/127\.0\.0\.2:/);
      } finally {
        client.close();
      }
      await assert.rejects(fetch(oldUrl, { method: 'POST', body: '' }));
    } finally {
      await stopFleet(fleet);
    }
  });
});

describe('WS-Discovery probe against hostile responders', () => {
  test('garbage, a DOCTYPE bomb, oversized, foreign and public-only replies are ignored and counted', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;">]>';
    const responder = await hostileResponder((messageId) => [
      Buffer.from([0xff, 0x00, 0xfe, 0x3c, 0x3e, 0x01]),
      'not xml at all <<<<>>>>',
      `${bomb}${probeReply(messageId, 'urn:uuid:bomb', 'http://127.0.0.1/x')}`.replace('Hostile', '&lol9;'),
      probeReply(messageId, 'urn:uuid:huge', 'http://127.0.0.1/x', `<d:Pad>${'A'.repeat(60_000)}</d:Pad>`),
      probeReply('urn:uuid:someone-else', 'urn:uuid:foreign', 'http://127.0.0.1/x'),
      probeReply(messageId, 'urn:uuid:public', 'http://8.8.8.8/onvif/device_service'),
      probeReply(messageId, 'urn:uuid:hostname', 'http://camera.example.com/onvif/device_service'),
      probeReply(messageId, 'urn:uuid:no-xaddrs', ''),
      probeReply(messageId, 'urn:uuid:good', 'http://127.0.0.1:8000/onvif/device_service http://203.0.113.9/onvif/device_service'),
    ]);
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    try {
      const report = await probeDetailed({ interfaceAddresses: [loopback], timeoutMs: probeTimeoutMs, port: privatePort() });
      const elapsedMs = Date.now() - started;
      assert.deepEqual(
        report.devices.map((device) => [device.urn, device.xaddrs]),
        [['urn:uuid:good', ['http://127.0.0.1:8000/onvif/device_service']]],
      );
      assert.deepEqual(report.ignored, { oversized: 1, unsafe: 1, malformed: 3, unrelated: 1, publicOnly: 2, overLimit: 0 });
      assert.ok(elapsedMs < probeTimeoutMs + 3000, `took ${elapsedMs} ms (bounded by the probe timeout, with room for a loaded machine)`);
      const heapGrowthBytes = process.memoryUsage().heapUsed - heapBefore;
      assert.ok(heapGrowthBytes < 32 * 1024 * 1024, `heap grew ${heapGrowthBytes} bytes`);
    } finally {
      await responder.close();
    }
  });

  test('a flood of distinct matches stops at maxMatches, early', async () => {
    const responder = await hostileResponder((messageId) =>
      Array.from({ length: 200 }, (_unused, index) => probeReply(messageId, `urn:uuid:flood-${index}`, `http://127.0.0.${(index % 250) + 1}/onvif/device_service`)),
    );
    const started = Date.now();
    try {
      const report = await probeDetailed({ interfaceAddresses: [loopback], timeoutMs: 3000, maxMatches: 10, port: privatePort() });
      assert.equal(report.devices.length, 10);
      assert.ok(Date.now() - started < 2000, 'returned early once maxMatches was reached');
    } finally {
      await responder.close();
    }
  });

  test('the reply parser refuses DTDs and needs a matching RelatesTo', () => {
    const ours = new Set(['urn:uuid:ours']);
    assert.deepEqual(readProbeMatches('<!DOCTYPE x><e:Envelope/>', ours, false), { kind: 'unsafe' });
    assert.deepEqual(readProbeMatches(probeReply('urn:uuid:theirs', 'urn:uuid:a', 'http://10.0.0.2/'), ours, false), { kind: 'unrelated' });
    const parsed = readProbeMatches(probeReply('urn:uuid:ours', 'urn:uuid:a', 'http://8.8.8.8/'), ours, true);
    assert.equal(parsed.kind, 'matches');
  });
});
