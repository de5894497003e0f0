/**
 * Run as a child by bench/objects.ts: the RSS of a fresh Node process before the object
 * detector loads and after it has classified 20 frames, printed as one JSON line. A child, so
 * the bench's own copies of the model do not count.
 */
import { createLogger } from '../../src/log.ts';
import { startObjectDetector } from '../../src/objects/objectDetector.ts';

const width = 320;
const height = 240;
const before = process.memoryUsage().rss;
const detector = startObjectDetector({ log: createLogger({ level: 'error', sink: { write: () => undefined } }), queueSize: 4, threads: 1 });
await detector.ready;
for (let i = 0; i < 20; i++) {
  const frame = new Uint8Array((width * height * 3) / 2).map((_, k) => 16 + ((k * 7 + i) % 200));
  await detector.detect({ cameraId: 'bench', frame, width, height, crop: { x: 0, y: 0, w: 1, h: 1 }, minScore: 0.5 });
}
const after = process.memoryUsage().rss;
await detector.close();
process.stdout.write(`${JSON.stringify({ beforeBytes: before, afterBytes: after })}\n`);
