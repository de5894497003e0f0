/**
 * Reads a TensorFlow.js graph model (model.json + its weight files) into plain nodes and
 * constant tensors, for tfjsToOnnx.ts. Only what the shipped detector uses is understood:
 * float32/int32 weights, optionally stored as float16; anything else is refused by name.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TfNode {
  name: string;
  op: string;
  /** Data inputs as "node" or "node:k"; control inputs ("^node") are dropped. */
  inputs: string[];
  attr: Record<string, TfAttr>;
}

export interface TfAttr {
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  list?: { i?: string[]; s?: string[] };
  type?: string;
  shape?: { dim?: Array<{ size: string }> };
}

export interface TfConst {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface TfGraph {
  nodes: TfNode[];
  consts: Map<string, TfConst>;
  /** Signature outputs: tensor name ("Identity:0") → declared shape. */
  outputs: Array<{ name: string; shape: number[] }>;
}

export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

interface ModelJson {
  format?: string;
  modelTopology?: { node?: Array<{ name: string; op: string; input?: string[]; attr?: Record<string, TfAttr> }> };
  weightsManifest?: Array<{ paths: string[]; weights: WeightSpec[] }>;
  signature?: { outputs?: Record<string, { name: string; tensorShape?: { dim?: Array<{ size: string }> } }> };
}

export function readTfjsGraph(modelJsonPath: string): TfGraph {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as ModelJson;
  } catch (error) {
    throw new ModelFileError(`cannot read the detector model ${modelJsonPath}: ${(error as Error).message}; reinstall with npm ci`);
  }
  const nodesJson = json.modelTopology?.node;
  if (json.format !== 'graph-model' || !Array.isArray(nodesJson) || !Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(`${modelJsonPath} is not a TensorFlow.js graph model`);
  }
  const nodes: TfNode[] = nodesJson.map((n) => ({
    name: n.name,
    op: n.op,
    inputs: (n.input ?? []).filter((i) => !i.startsWith('^')),
    attr: n.attr ?? {},
  }));
  const consts = new Map<string, TfConst>();
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(dirname(modelJsonPath), p))));
    let offset = 0;
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const stored = spec.quantization?.dtype ?? spec.dtype;
      const size = storedBytes(stored, spec.name);
      if (offset + count * size > bytes.length) throw new ModelFileError(`${modelJsonPath}: weight ${spec.name} runs past the end of its file; reinstall with npm ci`);
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * size);
      consts.set(spec.name, { dtype: spec.dtype === 'int32' ? 'int32' : 'float32', shape: spec.shape, values: decodeWeights(view, count, spec) });
      offset += count * size;
    }
  }
  const outputs = Object.values(json.signature?.outputs ?? {}).map((o) => ({
    name: o.name,
    shape: (o.tensorShape?.dim ?? []).map((d) => Number(d.size)),
  }));
  return { nodes, consts, outputs };
}

function storedBytes(dtype: string, name: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'float16' || dtype === 'uint16') return 2;
  if (dtype === 'uint8') return 1;
  throw new ModelFileError(`weight ${name} is stored as ${dtype}, which Hearth cannot read`);
}

function decodeWeights(view: DataView, count: number, spec: WeightSpec): Float32Array | Int32Array {
  if (spec.dtype === 'int32') {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
    return out;
  }
  if (spec.dtype !== 'float32') throw new ModelFileError(`weight ${spec.name} has type ${spec.dtype}, which Hearth cannot read`);
  const out = new Float32Array(count);
  const q = spec.quantization;
  if (!q) for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  else if (q.dtype === 'float16') for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  else {
    // Affine quantization: value = min + scale * stored.
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    for (let i = 0; i < count; i++) out[i] = min + scale * (q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true));
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
