/**
 * The detector's worker thread: converts the shipped model to ONNX, opens the session, then
 * answers one frame at a time (the main thread never sends a second before the first answers).
 * Cropping, letterboxing and decoding run here too, off the main event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { boxToFrame, letterboxInput } from './cropInput.ts';
import type { CloseMessage, DetectMessage, DetectorReply, DetectorWorkerData } from './detectorProtocol.ts';
import { detectorModel, detectorModelPath } from './modelFiles.ts';
import { decodeNanodet } from './nanodetDecode.ts';
import { openInferenceSession, type InferenceSession } from './onnxSession.ts';
import { readTfjsGraph } from './tfjsGraph.ts';
import { convertTfjsToOnnx } from './tfjsToOnnx.ts';

const port = parentPort;
if (!port) throw new Error('detectorThread runs as a worker thread');
const { threads } = workerData as DetectorWorkerData;
const size = detectorModel.inputSize;
const input = new Float32Array(3 * size * size);
const reply = (message: DetectorReply): void => port.postMessage(message);

let session: InferenceSession | null = null;
try {
  const started = performance.now();
  const converted = convertTfjsToOnnx(readTfjsGraph(detectorModelPath()), 'hearth');
  session = await openInferenceSession(converted.onnx, threads);
  reply({ type: 'ready', loadMs: Math.round(performance.now() - started), model: detectorModel.name });
} catch (error) {
  reply({ type: 'load_failed', message: (error as Error).message });
}

/** The frame being classified: a close waits for it (releasing a session mid-run crashes the runtime). */
let running: Promise<void> = Promise.resolve();

port.on('message', (message: DetectMessage | CloseMessage) => {
  if (message.type === 'close') {
    void running.then(async () => {
      const s = session;
      session = null;
      await s?.release().catch(() => undefined);
      reply({ type: 'closed' });
      port.close();
    });
    return;
  }
  running = detect(message);
});

async function detect(message: DetectMessage): Promise<void> {
  if (!session) return reply({ type: 'failed', id: message.id, message: 'the detector is not loaded' });
  try {
    const frame = { data: message.frame, width: message.width, height: message.height };
    const placement = letterboxInput(frame, message.crop, size, input);
    const started = performance.now();
    const outputs = await session.run(input, [1, 3, size, size]);
    const inferenceMs = performance.now() - started;
    const objects = decodeNanodet(outputs, size, message.minScore).map((d) => ({
      label: d.label,
      score: Math.round(d.score * 1000) / 1000,
      box: boxToFrame(d, placement, message.width, message.height),
    }));
    reply({ type: 'result', id: message.id, objects, inferenceMs });
  } catch (error) {
    reply({ type: 'failed', id: message.id, message: (error as Error).message });
  }
}
