/**
 * The one home of `onnxruntime-node`: an inference session on the CPU over an ONNX model held
 * in memory. Threads are capped (recording comes first on a Pi) and the memory arena is off:
 * the detector runs a few frames a second, and the arena would keep its peak for good.
 */
import * as ort from 'onnxruntime-node';

export interface TensorOut {
  data: Float32Array;
  dims: readonly number[];
}

export interface InferenceSession {
  run(input: Float32Array, dims: readonly number[]): Promise<TensorOut[]>;
  release(): Promise<void>;
}

export async function openInferenceSession(onnx: Uint8Array, threads: number): Promise<InferenceSession> {
  const session = await ort.InferenceSession.create(onnx, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: false,
  });
  const inputName = session.inputNames[0]!;
  return {
    run: async (input, dims) => {
      const result = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) });
      return session.outputNames.map((name) => {
        const t = result[name]!;
        return { data: t.data as Float32Array, dims: t.dims };
      });
    },
    release: () => session.release(),
  };
}
