import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import aedes from 'aedes';
import mqtt from 'mqtt';
import { silentLogger } from '../../src/log.ts';
import { startMqttBridge, type MqttMotionNotice } from '../../src/mqtt/bridge.ts';
import { parseConfigDocument } from '../../src/config/parse.ts';
import { ConfigError } from '../../src/config/validate.ts';

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

test('MQTT bridge: discovery, state, motion start/end and (opted-in) thumbnail reach a real broker; broker down never blocks; reconnects', async () => {
  let broker = await startBroker();
  const port = broker.port;
  let sub = await subscriber(port);
  const listeners = new Set<(n: MqttMotionNotice) => void>();
  let porchState = 'recording';
  const thumbnail = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
  const bridge = startMqttBridge({
    config: { url: `mqtt://127.0.0.1:${port}`, username: null, password: null, topicPrefix: 'hearth', homeAssistant: true, thumbnails: true },
    log: silentLogger,
    cameras: () => [{ id: 'porch', name: 'Porch' }],
    recorders: { states: () => [{ cameraId: 'porch', state: porchState }] },
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
    // Thumbnails are not retained: after a reconnect only the clearing empty message is sent.
    await waitFor('thumbnail topic cleared', () => sub.messages.has('hearth/porch/thumbnail'));
    assert.equal(sub.last('hearth/porch/thumbnail'), '');
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
    recorders: { states: () => [{ cameraId: 'porch', state: 'recording' }] },
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

test('MQTT thumbnails (security M4): off by default; when opted in, never retained for a later subscriber', async () => {
  const broker = await startBroker();
  const sub = await subscriber(broker.port);
  const thumbnail = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9, 9, 0xff, 0xd9]);
  let reads = 0;
  const bridgeWith = (thumbnails: boolean | undefined, cameraId: string) => {
    const listeners = new Set<(n: MqttMotionNotice) => void>();
    const bridge = startMqttBridge({
      config: { url: `mqtt://127.0.0.1:${broker.port}`, username: null, password: null, topicPrefix: 'hearth', homeAssistant: true, ...(thumbnails === undefined ? {} : { thumbnails }) },
      log: silentLogger,
      cameras: () => [{ id: cameraId, name: cameraId }],
      recorders: { states: () => [{ cameraId, state: 'recording' }] },
      events: { onEvent: (l) => (listeners.add(l), () => listeners.delete(l)) },
      readThumbnail: async () => {
        reads += 1;
        return thumbnail;
      },
      statePollMs: 50,
      reconnectPeriodMs: 200,
    });
    const motion = () => {
      for (const l of listeners) l({ cameraId, eventId: 1, type: 'start', score: 0.8, startMs: 1000, endMs: null, thumbnailPath: `thumbnails/${cameraId}/1.jpg` });
    };
    return { bridge, motion };
  };
  const images = (topic: string) => (sub.messages.get(topic) ?? []).filter((payload) => payload.length > 0);
  const byDefault = bridgeWith(undefined, 'porch');
  const optedIn = bridgeWith(true, 'yard');
  try {
    await waitFor('connected', () => byDefault.bridge.status().connected && optedIn.bridge.status().connected);
    byDefault.motion();
    optedIn.motion();
    await waitFor('motion ON', () => sub.last('hearth/porch/motion') === 'ON' && sub.last('hearth/yard/motion') === 'ON');
    await waitFor('opted-in thumbnail', () => images('hearth/yard/thumbnail').length === 1);
    // The opted-in frame came after the default camera's motion: had it been sent, it would be here.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(images('hearth/porch/thumbnail').length, 0, 'no thumbnail without mqtt.thumbnails: true');
    assert.equal(reads, 1, 'the default bridge never even reads the thumbnail file');
    assert.equal(sub.last('homeassistant/image/hearth_porch/thumbnail/config'), '', 'no Home Assistant image entity without thumbnails');
    assert.match(sub.last('homeassistant/image/hearth_yard/thumbnail/config') ?? '', /image_topic/);

    // A subscriber arriving later gets the retained motion state, but no frame.
    const late = await subscriber(broker.port);
    try {
      await waitFor('retained motion for the late subscriber', () => late.last('hearth/yard/motion') === 'ON');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((late.messages.get('hearth/yard/thumbnail') ?? []).filter((p) => p.length > 0).length, 0, 'thumbnail is not retained');
    } finally {
      await late.close();
    }
  } finally {
    await byDefault.bridge.stop();
    await optedIn.bridge.stop();
    await sub.close();
    await broker.stop();
  }
});

test('MQTT broker outside the LAN (security M4): refused in the config and by the bridge unless mqtt.allowNonLan', async () => {
  // 203.0.113.7 is a documentation address: the bridge must refuse it before any connection.
  const document = { mqtt: { url: 'mqtt://203.0.113.7:1883' } };
  assert.throws(() => parseConfigDocument(document), (error: unknown) => error instanceof ConfigError && /allowNonLan/.test(error.message));
  assert.equal(parseConfigDocument({ mqtt: { url: 'mqtt://203.0.113.7:1883', allowNonLan: true } }).mqtt?.allowNonLan, true);
  assert.equal(parseConfigDocument({ mqtt: { url: 'mqtt://192.168.1.10:1883' } }).mqtt?.thumbnails, false);

  const bridge = startMqttBridge({
    config: { url: 'mqtt://203.0.113.7:1883', username: null, password: null, topicPrefix: 'hearth', homeAssistant: true },
    log: silentLogger,
    cameras: () => [],
    recorders: { states: () => [] },
    events: { onEvent: () => () => undefined },
    readThumbnail: async () => Buffer.alloc(0),
    reconnectPeriodMs: 100,
    connectTimeoutMs: 500,
  });
  try {
    await waitFor('refusal recorded', () => bridge.status().lastError !== null, 5_000);
    assert.match(bridge.status().lastError ?? '', /outside the local network.*mqtt\.allowNonLan/);
    assert.equal(bridge.status().connected, false);
  } finally {
    await bridge.stop();
  }
});
