/**
 * The object detector's families for `/metrics`: whether it is loaded, frames classified and
 * dropped per camera (the queue is bounded for the whole box), and seconds spent classifying;
 * rate(seconds) / rate(inferences) is the mean inference time on this box.
 */
import type { DetectorStats } from '../objects/objectDetector.ts';
import type { MetricFamily } from './exposition.ts';

export function objectMetrics(stats: DetectorStats | null, cameras: readonly string[]): MetricFamily[] {
  const ids = [...new Set([...cameras, ...(stats?.inferences.keys() ?? []), ...(stats?.drops.keys() ?? [])])].sort();
  return [
    {
      name: 'hearth_object_detector_loaded',
      help: 'Whether the object detector is loaded and classifying (1) or not (0: off, loading or failed; the log says why).',
      type: 'gauge',
      samples: [{ value: stats?.state === 'ready' ? 1 : 0 }],
    },
    {
      name: 'hearth_object_inferences_total',
      help: 'Frames the object detector classified, per camera, since Hearth started.',
      type: 'counter',
      samples: ids.map((camera) => ({ labels: { camera }, value: stats?.inferences.get(camera) ?? 0 })),
    },
    {
      name: 'hearth_object_frames_dropped_total',
      help: 'Frames with motion not classified because the box-wide queue was full or the detector was down, per camera.',
      type: 'counter',
      samples: ids.map((camera) => ({ labels: { camera }, value: stats?.drops.get(camera) ?? 0 })),
    },
    {
      name: 'hearth_object_inference_seconds_total',
      help: 'Seconds the object detector spent classifying frames, all cameras.',
      type: 'counter',
      samples: [{ value: stats?.inferenceSecondsSum ?? 0 }],
    },
  ];
}
