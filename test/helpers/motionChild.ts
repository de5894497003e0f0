/**
 * A Hearth stand-in for the motion restart test: runs startMotion for one camera on the
 * given data dir and prints each event notice as a JSON line, until it is killed.
 * Usage: node --import tsx test/helpers/motionChild.ts <dataDir> <cameraId> <inputUrl>
 */
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { startOneCameraMotion } from './oneCameraMotion.ts';

const [dataDir, cameraId, inputUrl] = process.argv.slice(2);
if (!dataDir || !cameraId || !inputUrl) throw new Error('usage: motionChild.ts <dataDir> <cameraId> <inputUrl>');
const motion = startOneCameraMotion(openDatabase(path.join(dataDir, 'hearth.db')), dataDir, cameraId, inputUrl);
motion.onEvent((notice) => process.stdout.write(`${JSON.stringify(notice)}\n`));
