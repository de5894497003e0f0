/**
 * Motion for one camera as the restart tests run it: real-time input, events end after 2 s
 * of quiet, default sensitivity. Shared by the test and its kill -9 child (motionChild.ts),
 * so both runs of the service are the same.
 */
import type { Db } from '../../src/db/sqlite.ts';
import { silentLogger } from '../../src/log.ts';
import { startMotion } from '../../src/motion/service.ts';
import { cameraObjectDefaults } from '../../src/config/schema.ts';

export function startOneCameraMotion(db: Db, dataDir: string, cameraId: string, inputUrl: string): ReturnType<typeof startMotion> {
  return startMotion({
    db,
    log: silentLogger,
    dataDir,
    realtimeInputs: true,
    policy: { endQuietMs: 2_000 },
    cameras: () => [{ id: cameraId, subUrl: inputUrl, mainUrl: null, motion: { enabled: true, sensitivity: 50 }, objects: cameraObjectDefaults() }],
  });
}
