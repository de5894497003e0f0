/**
 * A device on the LAN can lie (docs/DESIGN.md, "Every camera call has a deadline"). A fake ONVIF
 * device on loopback answers with entity bombs, a 50 MB body, or a response that never
 * finishes; each must cost bounded time and memory and end in a clear, typed error.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { connectOnvif, OnvifError } from '../../src/discovery/onvifClient.ts';

type Behaviour = 'laughs' | 'huge' | 'drip';
let server: http.Server;
let behaviour: Behaviour = 'laughs';
const fiftyMiB = 50 * 1024 * 1024;

const laughs =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>' +
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tds:GetSystemDateAndTimeResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl">&lol4;</tds:GetSystemDateAndTimeResponse></s:Body></s:Envelope>';

before(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
    if (behaviour === 'laughs') {
      response.end(laughs);
    } else if (behaviour === 'huge') {
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      response.write('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x>');
      let sent = 0;
      const pump = (): void => {
        while (sent < fiftyMiB) {
          sent += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end('</x></s:Body></s:Envelope>');
      };
      pump();
    } else {
      // Headers, a few bytes, then silence with the socket open (a frozen camera).
      response.write('<s:Envelope');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function attempt(): Promise<{ error: unknown; ms: number; heapGrowthBytes: number }> {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/onvif/device_service`;
  // Heap plus Buffers: a body held as Buffer chunks does not show in heapUsed alone.
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external + m.arrayBuffers;
  };
  const heapBefore = used();
  let peak = heapBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, used())), 10);
  const started = Date.now();
  let error: unknown = null;
  try {
    const device = await connectOnvif({ url, username: 'admin', password: 'x', timeoutMs: 2000 });
    await device.getDeviceIdentity();
    device.close();
  } catch (caught) {
    error = caught;
  } finally {
    clearInterval(sampler);
  }
  return { error, ms: Date.now() - started, heapGrowthBytes: peak - heapBefore };
}

for (const kind of ['laughs', 'huge', 'drip'] as const) {
  test(`a device answering with ${kind} yields a clear typed error in bounded time and memory`, { timeout: 15_000 }, async () => {
    behaviour = kind;
    const result = await attempt();
    console.log(`${kind}: ${result.error instanceof Error ? `${result.error.name}: ${result.error.message}` : 'no error'}; ${result.ms} ms; memory +${Math.round(result.heapGrowthBytes / 1024 / 1024)} MiB`);
    assert.ok(result.error instanceof OnvifError, `typed error, got ${String(result.error)}`);
    // Bounded, not fast: the ONVIF timeout is 2 s; a device that could hold Hearth would take forever.
    assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
    assert.ok(result.heapGrowthBytes < 16 * 1024 * 1024, `heap grew ${result.heapGrowthBytes} bytes`);
  });
}
