import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import aedes from 'aedes';
import mqtt from 'mqtt';
import { silentLogger } from '../src/log.ts';
import { startMqttBridge, type MqttMotionNotice } from '../src/mqtt/bridge.ts';

/** A real MQTT broker (aedes) on loopback that can be stopped and started again on the same port. */
async function startBroker(port = 0): Promise<{ port: number; stop(): Promise<void> }> {
  const broker = await aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function subscriber(port: number) {
  const messages = new Map<string, Buffer[]>();
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  client.on('message', (topic, payload) => messages.set(topic, [...(messages.get(topic) ?? []), payload]));
  await client.subscribeAsync(['hearth/#', 'homeassistant/#']);
  const last = (topic: string) => messages.get(topic)?.at(-1)?.toString();
  return { messages, last, close: () => client.endAsync(true) };
}

test('MQTT bridge: discovery, state, motion start/end and thumbnail reach a real broker; broker down never blocks; reconnects', async () => {
  let broker = await startBroker();
  const port = broker.port;
  let sub = await subscriber(port);
  const listeners = new Set<(n: MqttMotionNotice) => void>();
  let porchState = 'recording';
  const thumbnail = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
  const bridge = startMqttBridge({
    config: { url: `mqtt://127.0.0.1:${port}`, username: null, password: null, topicPrefix: 'hearth', homeAssistant: true },
    log: silentLogger,
    cameras: () => [{ id: 'porch', name: 'Porch' }],
    states: { states: () => [{ cameraId: 'porch', state: porchState }] },
    events: { onEvent: (l) => (listeners.add(l), () => listeners.delete(l)) },
    readThumbnail: async (path) => {
      assert.equal(path, 'thumbnails/porch/1.jpg');
      return thumbnail;
    },
    statePollMs: 50,
    reconnectPeriodMs: 200,
    connectTimeoutMs: 2_000,
  });
  const emit = (n: Omit<MqttMotionNotice, 'cameraId' | 'eventId'>) => {
    for (const l of listeners) l({ cameraId: 'porch', eventId: 1, ...n });
  };
  try {
    await waitFor('connected', () => bridge.status().connected);
    await waitFor('discovery', () => sub.messages.has('homeassistant/image/hearth_porch/thumbnail/config'));
    const motionConfig = JSON.parse(sub.last('homeassistant/binary_sensor/hearth_porch/motion/config') ?? '{}') as Record<string, unknown>;
    assert.equal(motionConfig.device_class, 'motion');
    assert.equal(motionConfig.state_topic, 'hearth/porch/motion');
    assert.equal(motionConfig.availability_topic, 'hearth/status');
    const imageConfig = JSON.parse(sub.last('homeassistant/image/hearth_porch/thumbnail/config') ?? '{}') as Record<string, unknown>;
    assert.equal(imageConfig.image_topic, 'hearth/porch/thumbnail');
    assert.ok(sub.messages.has('homeassistant/sensor/hearth_porch/state/config'));
    await waitFor('state and availability', () => sub.last('hearth/porch/state') === 'recording' && sub.last('hearth/status') === 'online');

    emit({ type: 'start', score: 0.8, startMs: 1000, endMs: null, thumbnailPath: 'thumbnails/porch/1.jpg' });
    await waitFor('motion ON', () => sub.last('hearth/porch/motion') === 'ON');
    await waitFor('thumbnail', () => sub.messages.has('hearth/porch/thumbnail'));
    assert.deepEqual(sub.messages.get('hearth/porch/thumbnail')?.at(-1), thumbnail);
    emit({ type: 'end', score: 0.9, startMs: 1000, endMs: 5000, thumbnailPath: null });
    await waitFor('motion OFF', () => sub.last('hearth/porch/motion') === 'OFF');
    const events = (sub.messages.get('hearth/porch/event') ?? []).map((b) => JSON.parse(b.toString()) as { type: string; camera: string; score: number });
    assert.deepEqual(events.map((e) => [e.type, e.camera, e.score]), [['start', 'porch', 0.8], ['end', 'porch', 0.9]]);

    // Broker goes away: status says so, and the motion/state path neither throws nor blocks.
    await sub.close();
    await broker.stop();
    await waitFor('broker down', () => !bridge.status().connected);
    const t0 = performance.now();
    emit({ type: 'start', score: 0.7, startMs: 9000, endMs: null, thumbnailPath: null });
    porchState = 'retrying';
    assert.ok(performance.now() - t0 < 50, 'publishing with the broker down returns at once');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(bridge.status().connected, false);

    // Broker back on the same port: the bridge reconnects and republishes the current truth.
    broker = await startBroker(port);
    sub = await subscriber(port);
    await waitFor('reconnected', () => bridge.status().connected);
    await waitFor('state republished', () => sub.last('hearth/porch/state') === 'retrying');
    await waitFor('motion republished', () => sub.last('hearth/porch/motion') === 'ON');
    await waitFor('thumbnail republished', () => sub.messages.has('hearth/porch/thumbnail'));
    await waitFor('discovery republished', () => sub.messages.has('homeassistant/binary_sensor/hearth_porch/motion/config'));

    await bridge.stop();
    await waitFor('offline on stop', () => sub.last('hearth/status') === 'offline');
  } finally {
    await bridge.stop();
    await sub.close();
    await broker.stop();
  }
});

test('MQTT bridge: an unreachable broker at start is reported, not thrown, and stop() is bounded', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r())); // nothing listens there now
  const bridge = startMqttBridge({
    config: { url: `mqtt://127.0.0.1:${port}`, username: null, password: null, topicPrefix: 'hearth', homeAssistant: true },
    log: silentLogger,
    cameras: () => [{ id: 'porch', name: 'Porch' }],
    states: { states: () => [{ cameraId: 'porch', state: 'recording' }] },
    events: { onEvent: () => () => undefined },
    readThumbnail: async () => Buffer.alloc(0),
    reconnectPeriodMs: 100,
  });
  await waitFor('error recorded', () => bridge.status().lastError !== null);
  assert.equal(bridge.status().connected, false);
  assert.match(bridge.status().lastError ?? '', /ECONNREFUSED/);
  const t0 = Date.now();
  await bridge.stop();
  assert.ok(Date.now() - t0 < 3_000);
});
