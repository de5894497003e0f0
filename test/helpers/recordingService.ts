/**
 * The recording service alone, in its own process, so a test can kill -9 it:
 * `node --import tsx test/helpers/recordingService.ts DATA_DIR CAMERA_ID=URL ...`.
 * Prints `ready {reconcile report}` then `state <camera> <state>` lines; stops on SIGTERM.
 */
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { createLogger } from '../../src/log.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { startRecorders } from '../../src/recording/startRecorders.ts';
import { addCamera } from './recordingFixture.ts';

const [dataDir, ...cameraArgs] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: recordingService.ts DATA_DIR CAMERA_ID=URL ...');
const log = createLogger({ sink: { write: (line) => process.stderr.write(`${line}\n`) } });
const db = openDatabase(path.join(dataDir, 'hearth.db'), log);
for (const arg of cameraArgs) {
  const [id, url] = arg.split(/=(.*)/s);
  if (id && url) addCamera(db, id, url);
}
const recorders = await startRecorders({ db, config: defaultConfig(), log, dataDir, backoff: { baseMs: 500, capMs: 3_000, healthyMs: 60_000, authRetryMs: 60_000 } });
process.stdout.write(`ready ${JSON.stringify(recorders.reconcileReport)}\n`);
const last = new Map<string, string>();
const poll = setInterval(() => {
  for (const s of recorders.states()) {
    if (last.get(s.cameraId) !== s.state) process.stdout.write(`state ${s.cameraId} ${s.state}\n`);
    last.set(s.cameraId, s.state);
  }
}, 200);
process.once('SIGTERM', () => {
  clearInterval(poll);
  void recorders.stop().then(() => {
    db.close();
    process.stdout.write('stopped\n');
    process.exit(0);
  });
});
