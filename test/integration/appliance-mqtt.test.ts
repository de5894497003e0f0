import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import aedes from 'aedes';
import mqtt from 'mqtt';
import { silentLogger } from '../../src/log.ts';
import { startMqttBridge, type MqttEventLabel, type MqttMotionNotice } from '../../src/mqtt/bridge.ts';
import { kindOf } from '../../src/objects/labels.ts';
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

/** A label as the motion notice carries it. */
function label(name: string, score: number): MqttEventLabel {
  return { label: name, kind: kindOf(name), score, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }, atMs: 2000 };
}

/** Notice fields the object detector adds; motion-only notices carry none. */
type NoticeFields = Omit<MqttMotionNotice, 'cameraId' | 'eventId' | 'labels' | 'alert'> & Partial<Pick<MqttMotionNotice, 'eventId' | 'labels' | 'alert'>>;

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
  const emit = (n: NoticeFields) => {
    for (const l of listeners) l({ cameraId: 'porch', eventId: 1, labels: [], alert: false, ...n });
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
    const events = (sub.messages.get('hearth/porch/event') ?? []).map((b) => JSON.parse(b.toString()) as Record<string, unknown>);
    assert.deepEqual(events, [
      { type: 'start', camera: 'porch', eventId: 1, score: 0.8, startMs: 1000, endMs: null, labels: [], alert: false },
      { type: 'end', camera: 'porch', eventId: 1, score: 0.9, startMs: 1000, endMs: 5000, labels: [], alert: false },
    ]);
    for (const kind of ['person', 'vehicle', 'animal']) assert.equal(sub.last(`hearth/porch/${kind}`), 'OFF', `${kind} OFF: motion without labels`);

    // Broker goes away: status says so, and the motion/state path neither throws nor blocks.
    await sub.close();
    await broker.stop();
    await waitFor('broker down', () => !bridge.status().connected);
    const t0 = performance.now();
    emit({ type: 'start', eventId: 2, score: 0.7, startMs: 9000, endMs: null, thumbnailPath: null });
    emit({ type: 'update', eventId: 2, score: 0.7, startMs: 9000, endMs: null, thumbnailPath: null, labels: [label('person', 0.9)], alert: true });
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
    // The person seen while the broker was away is there too; the kinds not seen are OFF.
    await waitFor('person republished', () => sub.last('hearth/porch/person') === 'ON');
    await waitFor('vehicle and animal republished', () => sub.last('hearth/porch/vehicle') === 'OFF' && sub.last('hearth/porch/animal') === 'OFF');
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
      for (const l of listeners) l({ cameraId, eventId: 1, type: 'start', score: 0.8, startMs: 1000, endMs: null, thumbnailPath: `thumbnails/${cameraId}/1.jpg`, labels: [], alert: false });
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

test('MQTT objects: per camera a person/vehicle/animal sensor ON while an open event has that kind, with HA discovery; labelled thumbnails only with mqtt.thumbnails', async () => {
  const broker = await startBroker();
  const sub = await subscriber(broker.port);
  const reads: string[] = [];
  const bridgeWith = (thumbnails: boolean | undefined, cameraId: string) => {
    const listeners = new Set<(n: MqttMotionNotice) => void>();
    const bridge = startMqttBridge({
      config: { url: `mqtt://127.0.0.1:${broker.port}`, username: null, password: null, topicPrefix: 'hearth', homeAssistant: true, ...(thumbnails === undefined ? {} : { thumbnails }) },
      log: silentLogger,
      cameras: () => [{ id: cameraId, name: cameraId === 'porch' ? 'Porch' : 'Yard' }],
      recorders: { states: () => [{ cameraId, state: 'recording' }] },
      events: { onEvent: (l) => (listeners.add(l), () => listeners.delete(l)) },
      // Each file's bytes name it, so a test sees which frame went where.
      readThumbnail: async (path) => {
        reads.push(path);
        return Buffer.from(`jpeg:${path}`);
      },
      statePollMs: 50,
      reconnectPeriodMs: 200,
    });
    const emit = (n: NoticeFields) => {
      for (const l of listeners) l({ cameraId, eventId: 7, labels: [], alert: false, ...n });
    };
    return { bridge, emit };
  };
  const texts = (topic: string) => (sub.messages.get(topic) ?? []).map((payload) => payload.toString());
  const config = (topic: string) => JSON.parse(sub.last(topic) ?? '{}') as Record<string, unknown>;
  const porch = bridgeWith(true, 'porch');
  const yard = bridgeWith(undefined, 'yard');
  const kinds = ['person', 'vehicle', 'animal'] as const;
  try {
    await waitFor('connected', () => porch.bridge.status().connected && yard.bridge.status().connected);
    await waitFor('kind states and discovery', () =>
      kinds.every((k) => sub.last(`hearth/porch/${k}`) === 'OFF' && sub.messages.has(`homeassistant/image/hearth_porch/${k}_thumbnail/config`) && sub.messages.has(`homeassistant/image/hearth_yard/${k}_thumbnail/config`)),
    );

    // Discovery: one occupancy sensor and one image per kind, on the camera's own device.
    const motionDevice = config('homeassistant/binary_sensor/hearth_porch/motion/config').device;
    for (const kind of kinds) {
      const sensor = config(`homeassistant/binary_sensor/hearth_porch/${kind}/config`);
      assert.equal(sensor.state_topic, `hearth/porch/${kind}`);
      assert.equal(sensor.device_class, 'occupancy');
      assert.equal(sensor.unique_id, `hearth_porch_${kind}`);
      assert.equal(sensor.name, kind[0]!.toUpperCase() + kind.slice(1));
      assert.equal(sensor.payload_on, 'ON');
      assert.equal(sensor.availability_topic, 'hearth/status');
      assert.deepEqual(sensor.device, motionDevice);
      const image = config(`homeassistant/image/hearth_porch/${kind}_thumbnail/config`);
      assert.equal(image.image_topic, `hearth/porch/${kind}/thumbnail`);
      assert.equal(image.unique_id, `hearth_porch_${kind}_thumbnail`);
      assert.deepEqual(image.device, motionDevice);
      // Without thumbnails the sensor is there, the image entity is removed.
      assert.equal(config(`homeassistant/binary_sensor/hearth_yard/${kind}/config`).state_topic, `hearth/yard/${kind}`);
      assert.equal(sub.last(`homeassistant/image/hearth_yard/${kind}_thumbnail/config`), '');
    }

    // Motion alone: the kinds stay OFF.
    porch.emit({ type: 'start', score: 0.4, startMs: 1000, endMs: null, thumbnailPath: 'thumbnails/porch/7.jpg' });
    await waitFor('motion ON', () => sub.last('hearth/porch/motion') === 'ON');
    await waitFor('motion thumbnail', () => texts('hearth/porch/thumbnail').includes('jpeg:thumbnails/porch/7.jpg'));

    // A person: its sensor ON, its frame on its topic; motion stays ON and its thumbnail untouched.
    porch.emit({ type: 'update', score: 0.5, startMs: 1000, endMs: null, thumbnailPath: 'thumbnails/porch/7-person.jpg', labels: [label('person', 0.8)], alert: true });
    await waitFor('person ON', () => sub.last('hearth/porch/person') === 'ON');
    await waitFor('person thumbnail', () => texts('hearth/porch/person/thumbnail').includes('jpeg:thumbnails/porch/7-person.jpg'));
    // A car joins (the person's score unchanged): vehicle ON, and only the vehicle gets the new frame.
    porch.emit({ type: 'update', score: 0.5, startMs: 1000, endMs: null, thumbnailPath: 'thumbnails/porch/7-car.jpg', labels: [label('person', 0.8), label('car', 0.6)], alert: true });
    await waitFor('vehicle ON', () => sub.last('hearth/porch/vehicle') === 'ON');
    await waitFor('vehicle thumbnail', () => texts('hearth/porch/vehicle/thumbnail').includes('jpeg:thumbnails/porch/7-car.jpg'));
    assert.deepEqual(texts('hearth/porch/person/thumbnail'), ['jpeg:thumbnails/porch/7-person.jpg']);
    assert.equal(sub.last('hearth/porch/animal'), 'OFF');
    assert.deepEqual(texts('hearth/porch/motion'), ['OFF', 'ON'], 'an update does not touch the motion topic');
    assert.ok(!texts('hearth/porch/thumbnail').some((t) => t.includes('7-')), 'labelled frames stay off the motion thumbnail topic');

    // A subscriber arriving now gets the retained ON states, but no labelled frame.
    const late = await subscriber(broker.port);
    try {
      await waitFor('retained person and vehicle', () => late.last('hearth/porch/person') === 'ON' && late.last('hearth/porch/vehicle') === 'ON' && late.last('hearth/porch/animal') === 'OFF');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(late.messages.has('hearth/porch/person/thumbnail'), false, 'labelled thumbnails are not retained');
    } finally {
      await late.close();
    }

    // The event ends with a dog seen last: person and vehicle OFF, the animal pulsed ON then OFF.
    porch.emit({ type: 'end', score: 0.5, startMs: 1000, endMs: 9000, thumbnailPath: 'thumbnails/porch/7-dog.jpg', labels: [label('person', 0.8), label('car', 0.6), label('dog', 0.55)], alert: true });
    await waitFor('kinds OFF', () => kinds.every((k) => sub.last(`hearth/porch/${k}`) === 'OFF'));
    assert.deepEqual(texts('hearth/porch/person'), ['OFF', 'ON', 'OFF']);
    assert.deepEqual(texts('hearth/porch/animal'), ['OFF', 'ON', 'OFF']);
    await waitFor('animal thumbnail', () => texts('hearth/porch/animal/thumbnail').includes('jpeg:thumbnails/porch/7-dog.jpg'));
    await waitFor('motion OFF', () => sub.last('hearth/porch/motion') === 'OFF');
    const events = texts('hearth/porch/event').map((t) => JSON.parse(t) as { type: string; labels: { label: string; kind: string; score: number; box: unknown }[]; alert: boolean });
    assert.deepEqual(events.map((e) => [e.type, e.labels.map((l) => l.label), e.alert]), [
      ['start', [], false],
      ['update', ['person'], true],
      ['update', ['person', 'car'], true],
      ['end', ['person', 'car', 'dog'], true],
    ]);
    assert.deepEqual(events[1]!.labels[0], { label: 'person', kind: 'person', score: 0.8, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }, atMs: 2000 });

    // The camera without thumbnails: same sensors, no frame ever read or sent.
    yard.emit({ type: 'start', score: 0.4, startMs: 1000, endMs: null, thumbnailPath: 'thumbnails/yard/7.jpg' });
    yard.emit({ type: 'update', score: 0.5, startMs: 1000, endMs: null, thumbnailPath: 'thumbnails/yard/7-person.jpg', labels: [label('person', 0.9)], alert: true });
    await waitFor('yard person ON', () => sub.last('hearth/yard/person') === 'ON');
    yard.emit({ type: 'end', score: 0.5, startMs: 1000, endMs: 9000, thumbnailPath: 'thumbnails/yard/7-person.jpg', labels: [label('person', 0.9)], alert: true });
    await waitFor('yard person OFF', () => sub.last('hearth/yard/person') === 'OFF');
    // Porch's frame sent after yard's notices: had yard's frames gone out, they would be here by now.
    porch.emit({ type: 'start', eventId: 8, score: 0.4, startMs: 20_000, endMs: null, thumbnailPath: 'thumbnails/porch/8.jpg' });
    await waitFor('porch thumbnail after yard', () => texts('hearth/porch/thumbnail').includes('jpeg:thumbnails/porch/8.jpg'));
    assert.deepEqual(reads.filter((r) => r.includes('yard')), [], 'the bridge without thumbnails never reads a file');
    assert.deepEqual([...sub.messages.keys()].filter((t) => t.startsWith('hearth/yard/') && t.endsWith('thumbnail') && texts(t).some((p) => p !== '')), []);
  } finally {
    await porch.bridge.stop();
    await yard.bridge.stop();
    await sub.close();
    await broker.stop();
  }
});
