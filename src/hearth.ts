/**
 * The composition root: opens the database, brings config cameras into the registry,
 * starts the camera workers and the LAN server, and stops them in reverse order.
 * The CLI, the demo and the tests all start Hearth through here.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { HearthConfig } from './config/schema.ts';
import type { Logger } from './log.ts';
import { databaseFileName, openDatabase, type Db } from './db/connection.ts';
import { syncConfigCameras } from './cameras/syncConfigCameras.ts';
import { listCameras } from './cameras/cameraRows.ts';
import { createApp } from './http/app.ts';
import { listen, type HttpServer } from './http/server.ts';
import { hearthVersion } from './version.ts';

export interface RunningHearth {
  db: Db;
  http: HttpServer;
  url: string;
  stop(): Promise<void>;
}

export async function startHearth(config: HearthConfig, log: Logger): Promise<RunningHearth> {
  const startedAtMs = Date.now();
  mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  const db = openDatabase(path.join(config.dataDir, databaseFileName), log);
  const stops: Array<() => Promise<void> | void> = [() => void db.close()];
  try {
    syncConfigCameras(db, config.cameras, log);

    const app = createApp({
      db,
      config,
      log,
      health: {
        startedAtMs,
        version: hearthVersion,
        cameraCounts: () => ({ total: listCameras(db).filter((c) => c.enabled).length, recording: 0 }),
      },
    });
    const http = await listen(app, config.http.host, config.http.port);
    stops.push(() => http.close());
    log.info(`listening on ${http.url}`, { event: 'http.listening', dataDir: config.dataDir });

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
