/**
 * The one home of the `mqtt` package: publishes camera state, motion events, which object
 * kinds are present, (opt-in) thumbnails and Home Assistant discovery to an optional LAN broker.
 *
 * Whoever may subscribe on the broker sees what is published, outside Hearth's grants:
 * so thumbnails are off unless `mqtt.thumbnails: true`, never retained (a late subscriber
 * does not get the last frame), and the broker must be on the LAN unless `mqtt.allowNonLan`.
 *
 * Recording must never wait on the broker: nothing here is awaited by the recorder or
 * the motion worker, publishes while disconnected are dropped (not queued, so memory is
 * bounded), and the latest retained values are republished on every (re)connect, so the
 * broker converges to the truth as soon as it is back.
 */
import { redactUrl } from '../net/redactCredentials.ts';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { isLanAddress } from '../net/lanAddress.ts';
import type { MqttConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { discoveryMessages, homeAssistantDiscoveryPrefix, mqttTopics } from './homeAssistant.ts';
import { ObjectPresence } from './objectPresence.ts';
import { objectKinds, type ObjectKind } from '../objects/labels.ts';

export interface MqttCamera {
  id: string;
  name: string;
}

/** Polled: the recorders' `states()`. */
export interface MqttStateSource {
  states(): readonly { cameraId: string; state: string }[];
}

/** What the bridge reads of a label on a motion notice (EventLabel, src/objects/labelRows.ts). */
export interface MqttEventLabel {
  label: string;
  kind: ObjectKind | null;
  score: number;
  box: { x: number; y: number; w: number; h: number };
  atMs: number;
}

/** What the bridge reads of a motion notice (MotionEventNotice, src/motion/cameraMotion.ts). */
export interface MqttMotionNotice {
  /** 'update': mid-event, a label was added or its score improved (thumbnailPath: that frame, outlined). */
  type: 'start' | 'update' | 'end';
  cameraId: string;
  eventId: number;
  score: number;
  startMs: number;
  endMs: number | null;
  thumbnailPath: string | null;
  /** Labels that count so far, best score first. */
  labels: readonly MqttEventLabel[];
  alert: boolean;
}

/** The motion service's `onEvent`: returns the unsubscribe function. */
export interface MqttEventSource {
  onEvent(listener: (notice: MqttMotionNotice) => void): () => void;
}

export interface MqttBridgeOptions {
  config: MqttConfig;
  log: Logger;
  cameras(): readonly MqttCamera[];
  /** Polled for camera states (the running recorders). */
  recorders: MqttStateSource;
  events: MqttEventSource;
  readThumbnail(path: string): Promise<Buffer>;
  /** How often camera states are compared and changes published. */
  statePollMs?: number;
  /** Fixed wait between reconnect attempts (mqtt.js retries forever at this pace). */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
}

export interface MqttBridgeStatus {
  connected: boolean;
  lastError: string | null;
  /** When `connected` last changed. */
  sinceMs: number;
}

export interface MqttBridge {
  status(): MqttBridgeStatus;
  stop(): Promise<void>;
}

/** Largest thumbnail published; HA image entities and small brokers dislike big payloads. */
const maxThumbnailBytes = 1024 * 1024;
/** Bound on stop(): a dead broker must not hold up Hearth's shutdown. */
const stopTimeoutMs = 2_000;

export function startMqttBridge(options: MqttBridgeOptions): MqttBridge {
  const { config, log } = options;
  const topics = mqttTopics(config.topicPrefix);
  const lastState = new Map<string, string>();
  const lastMotion = new Map<string, 'ON' | 'OFF'>();
  const presence = new ObjectPresence();
  let status: MqttBridgeStatus = { connected: false, lastError: null, sinceMs: Date.now() };
  let stopped = false;

  const thumbnails = config.thumbnails === true;
  let client: MqttClient | null = null;

  const publish = (topic: string, payload: string | Buffer, retain: boolean): void => {
    if (client === null || !client.connected) return;
    client.publish(topic, payload, { qos: 0, retain }, (error) => {
      if (error) log.warn('mqtt publish failed', { event: 'mqtt.publish_failed', topic, error: error.message });
    });
  };

  const publishAll = (): void => {
    publish(topics.availability, 'online', true);
    for (const camera of options.cameras()) {
      if (config.homeAssistant) {
        for (const m of discoveryMessages(config.topicPrefix, camera)) {
          // Without thumbnails the image entity would stay empty: an empty config removes it from HA.
          const isImage = m.topic.startsWith(`${homeAssistantDiscoveryPrefix}/image/`);
          publish(m.topic, isImage && !thumbnails ? '' : m.payload, true);
        }
      }
      publish(topics.motion(camera.id), lastMotion.get(camera.id) ?? 'OFF', true);
      for (const kind of objectKinds) publish(topics.kind(camera.id, kind), presence.state(camera.id, kind), true);
      // An empty retained message deletes the frame an earlier Hearth left retained there.
      publish(topics.thumbnail(camera.id), '', true);
    }
    for (const [cameraId, state] of lastState) publish(topics.state(cameraId), state, true);
  };

  const pollStates = (): void => {
    for (const { cameraId, state } of options.recorders.states()) {
      if (lastState.get(cameraId) === state) continue;
      lastState.set(cameraId, state);
      publish(topics.state(cameraId), state, true);
    }
  };

  const setConnected = (connected: boolean, error: string | null): void => {
    if (status.connected !== connected) {
      log.info(connected ? 'mqtt broker connected' : 'mqtt broker unreachable', { event: connected ? 'mqtt.up' : 'mqtt.down', url: redactUrl(config.url), error });
    }
    status = { connected, lastError: error ?? status.lastError, sinceMs: status.connected !== connected ? Date.now() : status.sinceMs };
  };

  const connect = (): void => {
    const connected = mqtt.connect(config.url, {
      username: config.username ?? undefined,
      password: config.password ?? undefined,
      clientId: `${config.topicPrefix}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: options.reconnectPeriodMs ?? 5_000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      // Drop, don't queue, while offline: the republish on connect restores what matters.
      queueQoSZero: false,
      will: { topic: topics.availability, payload: Buffer.from('offline'), retain: true, qos: 1 },
    });
    connected.on('connect', () => {
      setConnected(true, null);
      pollStates();
      publishAll();
    });
    connected.on('close', () => setConnected(false, null));
    connected.on('offline', () => setConnected(false, null));
    // Without an 'error' listener mqtt.js would crash the process on a refused connection.
    connected.on('error', (error) => setConnected(false, error.message));
    client = connected;
  };

  const lanChecked = config.allowNonLan === true ? Promise.resolve(null) : brokerOutsideLan(config.url);
  void lanChecked.then((outside) => {
    if (stopped) return;
    if (outside === null) {
      connect();
      return;
    }
    const message = `mqtt.url ${redactUrl(config.url)} reaches ${outside}, outside the local network: nothing is published; use the broker's LAN address, or set mqtt.allowNonLan: true`;
    log.error('mqtt broker refused: not on the LAN', { event: 'mqtt.broker_not_lan', url: redactUrl(config.url), address: outside });
    setConnected(false, message);
  });

  const onMotion = (notice: MqttMotionNotice): void => {
    // An update happens inside an open event: motion stays ON, and its topic is not repeated.
    if (notice.type !== 'update') {
      const motion = notice.type === 'start' ? 'ON' : 'OFF';
      lastMotion.set(notice.cameraId, motion);
      publish(topics.motion(notice.cameraId), motion, true);
    }
    const labels = notice.labels.map((l) => ({ label: l.label, kind: l.kind, score: l.score, box: l.box, atMs: l.atMs }));
    publish(
      topics.event(notice.cameraId),
      JSON.stringify({ type: notice.type, camera: notice.cameraId, eventId: notice.eventId, score: notice.score, startMs: notice.startMs, endMs: notice.endMs, labels, alert: notice.alert }),
      false,
    );
    const step = presence.observe(notice);
    for (const { kind, state } of step.changes) publish(topics.kind(notice.cameraId, kind), state, true);
    if (!thumbnails || notice.thumbnailPath === null) return;
    // The motion thumbnail stays what it was (start and end); a labelled frame goes to its kinds.
    const targets = step.improved.map((kind) => topics.kindThumbnail(notice.cameraId, kind));
    if (notice.type !== 'update') targets.unshift(topics.thumbnail(notice.cameraId));
    if (targets.length > 0) void publishThumbnail(notice.cameraId, notice.thumbnailPath, targets);
  };

  const publishThumbnail = async (cameraId: string, path: string, targets: readonly string[]): Promise<void> => {
    try {
      const image = await options.readThumbnail(path);
      if (image.length > maxThumbnailBytes) {
        log.warn('thumbnail too large for mqtt, skipped', { event: 'mqtt.thumbnail_skipped', camera: cameraId, bytes: image.length });
        return;
      }
      for (const topic of targets) publish(topic, image, false);
    } catch (error) {
      log.warn('cannot read thumbnail for mqtt', { event: 'mqtt.thumbnail_unreadable', camera: cameraId, error: (error as Error).message });
    }
  };

  const unsubscribe = options.events.onEvent(onMotion);
  const poller = setInterval(pollStates, options.statePollMs ?? 2_000);
  poller.unref();

  return {
    status: () => ({ ...status }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(poller);
      unsubscribe();
      await lanChecked.catch(() => undefined);
      const current = client as MqttClient | null;
      if (current !== null) {
        // Say goodbye cleanly when we can; the will covers the case where we cannot.
        if (current.connected) publish(topics.availability, 'offline', true);
        await Promise.race([
          current.endAsync(false),
          new Promise<void>((resolve) => setTimeout(resolve, stopTimeoutMs).unref()),
        ]);
        if (!current.disconnected) current.end(true);
      }
      setConnected(false, null);
    },
  };
}


/**
 * The first address of the broker outside the LAN, or null when every one is inside.
 * A name is resolved here (all its addresses): a public name must not slip through.
 */
async function brokerOutsideLan(url: string): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return isLanAddress(host) ? null : host;
  try {
    const addresses = await lookup(host, { all: true });
    return addresses.find((entry) => !isLanAddress(entry.address))?.address ?? null;
  } catch {
    // Unresolvable now: mqtt.js will report it and retry; refuse nothing we cannot see.
    return null;
  }
}
