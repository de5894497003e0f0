/**
 * The composition root: opens the database, brings config cameras into the registry,
 * starts the camera workers and the LAN server, and stops them in reverse order.
 * The CLI, the demo and the tests all start Hearth through here.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { HearthConfig } from './config/schema.ts';
import type { Logger } from './log.ts';
import { databaseFileName, openDatabase, type Db } from './db/connection.ts';
import { syncConfigCameras } from './cameras/syncConfigCameras.ts';
import { listCameras } from './cameras/cameraRows.ts';
import { startRecorders } from './recording/startRecorders.ts';
import { startDiscoveryService } from './discovery/discoveryService.ts';
import { createRelocator } from './cameras/relocate.ts';
import { createIdentityCheck } from './cameras/identity.ts';
import { onCameraChanged } from './cameras/registryEvents.ts';
import { motionCamerasOf, startMotion } from './motion/service.ts';
import { startObjectDetector } from './objects/objectDetector.ts';
import { startReconnectCounter } from './metrics/reconnectCounter.ts';
import { startMqttBridge } from './mqtt/bridge.ts';
import { statusSourceFromStates } from './http/sources.ts';
import { liveSourceFromFeeds } from './live/liveSource.ts';
import { composeApp } from './composeApp.ts';
import { listen, type HttpServer } from './http/server.ts';
import { hearthVersion } from './version.ts';
import { startServiceNotify } from './system/serviceNotify.ts';
import { takeNotifyEnv } from './system/sdNotify.ts';
import { createRecorderHealthCheck } from './system/recorderHealth.ts';
import { assertDataDirMounted } from './system/dataDirMount.ts';

export interface RunningHearth {
  db: Db;
  http: HttpServer;
  url: string;
  stop(): Promise<void>;
}

export async function startHearth(config: HearthConfig, log: Logger): Promise<RunningHearth> {
  const startedAtMs = Date.now();
  // Before any child is spawned: ffmpeg must not inherit systemd's notify socket.
  const notifyEnv = takeNotifyEnv();
  // Before creating anything: a data dir whose disk did not mount must not become a new, empty Hearth.
  assertDataDirMounted(config.dataDir);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  const db = openDatabase(path.join(config.dataDir, databaseFileName), log);
  const stops: Array<() => Promise<void> | void> = [() => void db.close()];
  try {
    syncConfigCameras(db, config.cameras, log);

    // Discovery feeds the identity check: a camera that answers with another serial is
    // searched for at a new address (docs/DESIGN.md, "Identity").
    const wsdPort = config.discovery.port;
    const discovery = config.discovery.enabled
      ? startDiscoveryService({ config: config.discovery, log, ...(wsdPort !== undefined ? { port: wsdPort } : {}) })
      : null;
    if (discovery) stops.push(() => discovery.stop());
    const relocator = createRelocator({ db, log, probe: async () => (discovery ? (await discovery.probeNow()).devices : []) });
    const identityCheck = createIdentityCheck({ db, log, onMismatch: (id) => relocator.request(id) });

    const recorders = await startRecorders({ db, config, log, dataDir: config.dataDir, identityCheck });
    stops.push(() => recorders.stop());
    const reconnects = startReconnectCounter(() => recorders.states());
    stops.push(() => reconnects.stop());

    // Motion opens its own connection: it only watches cameras whose recorder runs on a
    // device that passed the identity check, and follows every change of that.
    // One detector for the box (a worker thread), shared by every camera's motion events; it loads
    // in the background when the first camera with objects on starts motion, and frames offered
    // before it is ready (or if it cannot load) are dropped and counted.
    const detector = config.objects.enabled ? startObjectDetector({ log, queueSize: config.objects.queue, threads: config.objects.threads, lazy: true }) : null;
    if (detector) stops.push(() => detector.close());
    const motion = startMotion({
      db,
      log,
      dataDir: config.dataDir,
      cameras: () => motionCamerasOf(db, config.cameras).filter((c) => recorders.streaming(c.id)),
      objects: detector ? { detector, fps: config.objects.fps } : null,
    });
    stops.push(() => motion.stop());
    const reloadMotion = (): void =>
      void motion.reload().catch((error: unknown) => log.error('motion reload failed', { event: 'motion.reload_failed', error: (error as Error).message }));
    stops.push(recorders.onStateChange(reloadMotion));
    // Adoption, manual adds and relocations take effect at once (no restart).
    stops.push(
      onCameraChanged(db, (id) =>
        void recorders
          .reload(id)
          .catch((error: unknown) => log.error('could not apply a camera change', { event: 'recorders.reload_failed', camera: id, error: (error as Error).message }))
          .then(reloadMotion),
      ),
    );

    if (config.mqtt) {
      const bridge = startMqttBridge({
        config: config.mqtt,
        log,
        cameras: () => listCameras(db).filter((c) => c.enabled).map((c) => ({ id: c.id, name: c.name })),
        recorders,
        events: motion,
        readThumbnail: (file) => readFile(path.resolve(config.dataDir, file)),
      });
      stops.push(() => bridge.stop());
    }

    const app = composeApp({
      db,
      config,
      log,
      health: {
        startedAtMs,
        version: hearthVersion,
        cameraCounts: () => ({ total: listCameras(db).filter((c) => c.enabled).length, recording: recorders.states().filter((s) => s.state === 'recording').length }),
      },
      status: statusSourceFromStates(() => recorders.states()),
      live: liveSourceFromFeeds((id) => recorders.liveFeed(id)),
      discovery,
      metrics: { db, dataDir: config.dataDir, cameraStates: () => recorders.states(), reconnects: () => reconnects.counts(), objects: () => detector?.stats() ?? null },
    });
    const http = await listen(app, config.http.host, config.http.port);
    stops.push(() => http.close());
    log.info(`listening on ${http.url}`, { event: 'http.listening', dataDir: config.dataDir });
    // Under systemd (Type=notify, WatchdogSec): READY=1 now, WATCHDOG=1 only while recorder
    // supervision is healthy, STOPPING=1 first thing on stop (it is the last stop pushed).
    const service = await startServiceNotify({ log, env: notifyEnv, health: createRecorderHealthCheck(recorders) });
    stops.push(() => service.stop());

    let stopping: Promise<void> | undefined;
    return {
      db,
      http,
      url: http.url,
      stop: () => {
        stopping ??= stopAll(stops, log);
        return stopping;
      },
    };
  } catch (error) {
    await stopAll(stops, log);
    throw error;
  }
}

async function stopAll(stops: Array<() => Promise<void> | void>, log: Logger): Promise<void> {
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (error) {
      log.error('error while stopping', { event: 'hearth.stop_failed', error: (error as Error).message });
    }
  }
}
