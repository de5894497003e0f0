/**
 * A Hearth stand-in for the motion restart test: runs startMotion for one camera on the
 * given data dir and prints each event notice as a JSON line, until it is killed.
 * Usage: node --import tsx test/helpers/motionChild.ts <dataDir> <cameraId> <inputUrl>
 */
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { silentLogger } from '../../src/log.ts';
import { startMotion } from '../../src/motion/service.ts';

const [dataDir, cameraId, inputUrl] = process.argv.slice(2);
if (!dataDir || !cameraId || !inputUrl) throw new Error('usage: motionChild.ts <dataDir> <cameraId> <inputUrl>');
const db = openDatabase(path.join(dataDir, 'hearth.db'));
const motion = startMotion({
  db,
  log: silentLogger,
  dataDir,
  realtimeInputs: true,
  policy: { endQuietMs: 2_000 },
  cameras: () => [{ id: cameraId, subUrl: inputUrl, mainUrl: null, motion: { enabled: true, sensitivity: 50 } }],
});
motion.onEvent((notice) => process.stdout.write(`${JSON.stringify(notice)}\n`));
