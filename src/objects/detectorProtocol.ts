/** Messages between the object detector (main thread) and its worker thread. */
import type { FrameRect } from '../wire/settings.ts';
import type { CocoLabel } from './labels.ts';

export interface DetectorWorkerData {
  threads: number;
}

export interface DetectMessage {
  type: 'detect';
  id: number;
  /** yuv420p. */
  frame: Uint8Array;
  width: number;
  height: number;
  /** The part of the frame to look at, pixels. */
  crop: { x: number; y: number; w: number; h: number };
  minScore: number;
}

/** Finish the frame in hand, release the runtime, end the thread (terminating a thread inside onnxruntime aborts the process). */
export interface CloseMessage {
  type: 'close';
}

export interface FoundObject {
  label: CocoLabel;
  score: number;
  /** Fractions of the whole frame. */
  box: FrameRect;
}

export type DetectorReply =
  | { type: 'ready'; loadMs: number; model: string }
  | { type: 'load_failed'; message: string }
  | { type: 'result'; id: number; objects: FoundObject[]; inferenceMs: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'closed' };
