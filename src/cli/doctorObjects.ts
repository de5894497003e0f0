/**
 * `hearth doctor`'s object detection check: loads the detector as `hearth start` would, times
 * it on this box, and says how many cameras it can serve at once at the configured rate.
 */
import type { ObjectsConfig } from '../config/schema.ts';
import { createLogger } from '../log.ts';
import { detectorModel } from '../objects/modelFiles.ts';
import { startObjectDetector } from '../objects/objectDetector.ts';
import type { Check } from './doctorCheck.ts';

const frames = 6;
const loadTimeoutMs = 120_000;

export async function checkObjects(config: ObjectsConfig): Promise<Check> {
  if (!config.enabled) return { name: 'objects', verdict: 'ok', detail: 'object detection is off (objects.enabled: false): motion events carry no labels' };
  // The doctor prints its own verdict; the detector's log lines would only repeat it.
  const detector = startObjectDetector({ log: createLogger({ level: 'error', sink: { write: () => undefined } }), queueSize: 1, threads: config.threads });
  try {
    let timer: NodeJS.Timeout | undefined;
    const loaded = await Promise.race([
      detector.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`it did not load within ${loadTimeoutMs / 1000} s`)), loadTimeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    // A motion frame as the detector gets it (320 × 180, yuv420p): a grey gradient.
    const width = 320;
    const height = 180;
    const times: number[] = [];
    for (let i = 0; i < frames; i++) {
      const frame = new Uint8Array((width * height * 3) / 2).map((_, k) => 16 + ((k * 7 + i) % 200));
      const result = await detector.detect({ cameraId: 'doctor', frame, width, height, crop: { x: 0, y: 0, w: 1, h: 1 }, minScore: 0.5 });
      if (!result) throw new Error('it dropped a frame with nothing else queued');
      times.push(result.inferenceMs);
    }
    // The first run pays for lazy allocations; the median of the rest is what a busy evening costs.
    const ms = median(times.slice(1));
    const perSecond = 1000 / ms;
    const cameras = Math.floor(perSecond / config.fps);
    const detail = `${detectorModel.name} (${detectorModel.licence}) loaded in ${loaded.loadMs} ms; ${ms.toFixed(0)} ms a frame on this box with ${config.threads} thread${config.threads === 1 ? '' : 's'}: ${perSecond.toFixed(1)} frames/s, enough for ${cameras} camera${cameras === 1 ? '' : 's'} moving at once at ${config.fps} fps (objects.fps); more are served in turn, extra frames dropped and counted`;
    return { name: 'objects', verdict: cameras >= 1 ? 'ok' : 'warn', detail: cameras >= 1 ? detail : `${detail}; lower objects.fps or raise objects.threads` };
  } catch (error) {
    return { name: 'objects', verdict: 'fail', detail: `the object detector does not load: ${(error as Error).message}; run \`npm ci\` in the Hearth directory, or set objects.enabled: false` };
  } finally {
    await detector.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
