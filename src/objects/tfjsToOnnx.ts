/**
 * Converts the detector's TensorFlow.js graph into an ONNX graph that onnxruntime runs about
 * fifteen times faster than TF.js's WebAssembly backend does (measured on this model). The
 * weights come from an npm package (modelFiles.ts); the conversion runs in memory when the
 * detector loads, in well under a second, so nothing is downloaded or cached.
 *
 * Only the ops the shipped model uses are handled; anything else is refused by name. TF's
 * NHWC convolutions and pools are wrapped in transposes to ONNX's NCHW; onnxruntime's layout
 * optimiser folds the pairs away. Subgraphs of constants (the reshape targets) are folded here.
 */
import { encodeOnnxModel, OnnxType, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValue } from './onnxProto.ts';
import type { TfConst, TfGraph, TfNode } from './tfjsGraph.ts';

export class ModelConversionError extends Error {
  override name = 'ModelConversionError';
}

export interface ConvertedModel {
  onnx: Uint8Array;
  input: { name: string; shape: number[] };
  outputs: Array<{ name: string; shape: number[] }>;
}

type Value = { kind: 'const'; value: TfConst } | { kind: 'tensor'; shape: number[] };

export function convertTfjsToOnnx(graph: TfGraph, producer: string): ConvertedModel {
  const values = new Map<string, Value>();
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const initialized = new Set<string>();
  const inputs: OnnxValue[] = [];
  let input: { name: string; shape: number[] } | null = null;

  const ref = (name: string): string => (name.includes(':') ? name : `${name}:0`);
  const get = (name: string, user: TfNode): Value => {
    const v = values.get(ref(name));
    if (!v) throw new ModelConversionError(`node ${user.name} reads ${name}, which comes later or not at all`);
    return v;
  };
  const constOf = (name: string, user: TfNode): TfConst => {
    const v = get(name, user);
    if (v.kind !== 'const') throw new ModelConversionError(`node ${user.name} (${user.op}) needs a constant for ${name}`);
    return v.value;
  };
  const shapeOf = (name: string, user: TfNode): number[] => {
    const v = get(name, user);
    return v.kind === 'const' ? v.value.shape : v.shape;
  };
  const addInit = (name: string, type: OnnxType, dims: readonly number[], raw: Uint8Array): string => {
    if (!initialized.has(name)) {
      initialized.add(name);
      initializers.push({ name, type, dims, raw });
    }
    return name;
  };
  /** A tensor name for an input: a dynamic tensor as it is, a constant as an initializer. */
  const operand = (name: string, user: TfNode): string => {
    const v = get(name, user);
    if (v.kind === 'tensor') return ref(name);
    const c = v.value;
    return c.dtype === 'float32'
      ? addInit(`const/${ref(name)}`, OnnxType.Float, c.shape, bytesOf(c.values))
      : addInit(`const/${ref(name)}`, OnnxType.Int32, c.shape, bytesOf(c.values));
  };
  const int64Init = (name: string, ints: readonly number[]): string =>
    addInit(name, OnnxType.Int64, [ints.length], bytesOf(BigInt64Array.from(ints.map((n) => BigInt(n)))));
  const emit = (op: string, name: string, ins: string[], outs: string[], attributes?: Record<string, OnnxAttribute>): void => {
    nodes.push({ op, name, inputs: ins, outputs: outs, attributes });
  };
  const setTensor = (name: string, shape: number[]): void => void values.set(name, { kind: 'tensor', shape });
  /** NHWC op → transpose to NCHW, the op, transpose back to the TF output name. */
  const wrapNchw = (node: TfNode, x: string, op: string, extraInputs: string[], attributes: Record<string, OnnxAttribute>, outShapeNhwc: number[]): void => {
    const nchw = `${node.name}/nchw`;
    emit('Transpose', `${node.name}/to_nchw`, [x], [nchw], { perm: [0, 3, 1, 2] });
    emit(op, node.name, [nchw, ...extraInputs], [`${node.name}/out_nchw`], attributes);
    emit('Transpose', `${node.name}/to_nhwc`, [`${node.name}/out_nchw`], [ref(node.name)], { perm: [0, 2, 3, 1] });
    setTensor(ref(node.name), outShapeNhwc);
  };

  for (const node of graph.nodes) {
    const out = ref(node.name);
    const allConst = node.inputs.length > 0 && node.inputs.every((i) => values.get(ref(i))?.kind === 'const');
    switch (node.op) {
      case 'Const': {
        const c = graph.consts.get(node.name);
        if (!c) throw new ModelConversionError(`constant ${node.name} has no weights`);
        values.set(out, { kind: 'const', value: c });
        break;
      }
      case 'Placeholder': {
        const dims = (node.attr.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (dims.length !== 4 || dims.some((d) => !(d > 0))) throw new ModelConversionError(`input ${node.name} has no fixed 4-D shape`);
        input = { name: node.name, shape: dims };
        inputs.push({ name: out, type: OnnxType.Float, dims });
        setTensor(out, dims);
        break;
      }
      case 'Identity':
        if (allConst) values.set(out, get(node.inputs[0]!, node));
        else {
          emit('Identity', node.name, [operand(node.inputs[0]!, node)], [out]);
          setTensor(out, shapeOf(node.inputs[0]!, node));
        }
        break;
      case 'SparseToDense':
        values.set(out, { kind: 'const', value: foldSparseToDense(node, node.inputs.map((i) => constOf(i, node))) });
        break;
      case 'Add':
      case 'AddV2':
        if (allConst) values.set(out, { kind: 'const', value: foldAdd(constOf(node.inputs[0]!, node), constOf(node.inputs[1]!, node)) });
        else {
          emit('Add', node.name, [operand(node.inputs[0]!, node), operand(node.inputs[1]!, node)], [out]);
          setTensor(out, broadcast(shapeOf(node.inputs[0]!, node), shapeOf(node.inputs[1]!, node), node));
        }
        break;
      case 'LeakyRelu':
        emit('LeakyRelu', node.name, [operand(node.inputs[0]!, node)], [out], { alpha: { float: node.attr.alpha?.f ?? 0.2 } });
        setTensor(out, shapeOf(node.inputs[0]!, node));
        break;
      case 'Sigmoid':
        emit('Sigmoid', node.name, [operand(node.inputs[0]!, node)], [out]);
        setTensor(out, shapeOf(node.inputs[0]!, node));
        break;
      case 'Transpose': {
        const perm = Array.from(constOf(node.inputs[1]!, node).values);
        const shape = shapeOf(node.inputs[0]!, node);
        emit('Transpose', node.name, [operand(node.inputs[0]!, node)], [out], { perm });
        setTensor(out, perm.map((p) => shape[p]!));
        break;
      }
      case 'Pad':
      case 'PadV2': {
        const pads = constOf(node.inputs[1]!, node).values;
        const shape = shapeOf(node.inputs[0]!, node);
        const begins = shape.map((_, d) => pads[d * 2]!);
        const ends = shape.map((_, d) => pads[d * 2 + 1]!);
        const ins = [operand(node.inputs[0]!, node), int64Init(`${node.name}/pads`, [...begins, ...ends])];
        if (node.op === 'PadV2') ins.push(operand(node.inputs[2]!, node));
        emit('Pad', node.name, ins, [out], { mode: 'constant' });
        setTensor(out, shape.map((s, d) => s + begins[d]! + ends[d]!));
        break;
      }
      case 'Conv2D':
        convertConv(node);
        break;
      case 'MaxPool': {
        requireNhwc(node);
        const k = listInts(node, 'ksize');
        const s = listInts(node, 'strides');
        const [n, h, w, c] = shapeOf(node.inputs[0]!, node) as [number, number, number, number];
        const padding = node.attr.padding?.s ? atob(node.attr.padding.s) : 'VALID';
        const oh = outSize(h, k[1]!, s[1]!, 1, padding);
        const ow = outSize(w, k[2]!, s[2]!, 1, padding);
        const attrs: Record<string, OnnxAttribute> = { kernel_shape: [k[1]!, k[2]!], strides: [s[1]!, s[2]!] };
        if (padding === 'SAME') attrs.auto_pad = 'SAME_UPPER';
        wrapNchw(node, operand(node.inputs[0]!, node), 'MaxPool', [], attrs, [n, oh, ow, c]);
        break;
      }
      case 'ResizeBilinear': {
        const size = Array.from(constOf(node.inputs[1]!, node).values);
        const [n, , , c] = shapeOf(node.inputs[0]!, node) as [number, number, number, number];
        const mode = node.attr.align_corners?.b ? 'align_corners' : node.attr.half_pixel_centers?.b ? 'half_pixel' : 'asymmetric';
        const sizes = int64Init(`${node.name}/sizes`, [n, c, size[0]!, size[1]!]);
        wrapNchw(node, operand(node.inputs[0]!, node), 'Resize', ['', '', sizes], { mode: 'linear', coordinate_transformation_mode: mode }, [n, size[0]!, size[1]!, c]);
        break;
      }
      case 'ConcatV2': {
        const parts = node.inputs.slice(0, -1);
        const shapes = parts.map((p) => shapeOf(p, node));
        const rank = shapes[0]!.length;
        const axisRaw = constOf(node.inputs.at(-1)!, node).values[0]!;
        const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
        emit('Concat', node.name, parts.map((p) => operand(p, node)), [out], { axis });
        setTensor(out, shapes[0]!.map((d, i) => (i === axis ? shapes.reduce((sum, s) => sum + s[i]!, 0) : d)));
        break;
      }
      case 'Reshape': {
        const inShape = shapeOf(node.inputs[0]!, node);
        const target = Array.from(constOf(node.inputs[1]!, node).values);
        const shape = resolveReshape(inShape, target, node);
        emit('Reshape', node.name, [operand(node.inputs[0]!, node), int64Init(`${node.name}/shape`, shape)], [out]);
        setTensor(out, shape);
        break;
      }
      case 'SplitV': {
        const sizes = Array.from(constOf(node.inputs[1]!, node).values);
        const shape = shapeOf(node.inputs[0]!, node);
        const axisRaw = constOf(node.inputs[2]!, node).values[0]!;
        const axis = axisRaw < 0 ? axisRaw + shape.length : axisRaw;
        const known = sizes.filter((s) => s >= 0).reduce((a, b) => a + b, 0);
        const resolved = sizes.map((s) => (s < 0 ? shape[axis]! - known : s));
        const outs = resolved.map((_, k) => `${node.name}:${k}`);
        emit('Split', node.name, [operand(node.inputs[0]!, node), int64Init(`${node.name}/split`, resolved)], outs, { axis });
        resolved.forEach((s, k) => setTensor(outs[k]!, shape.map((d, i) => (i === axis ? s : d))));
        break;
      }
      default:
        throw new ModelConversionError(`the detector model uses ${node.op} (node ${node.name}), which Hearth's converter does not handle`);
    }
  }

  function convertConv(node: TfNode): void {
    requireNhwc(node);
    const filter = constOf(node.inputs[1]!, node);
    const [kh, kw, fin, fout] = filter.shape as [number, number, number, number];
    const [n, h, w, c] = shapeOf(node.inputs[0]!, node) as [number, number, number, number];
    if (c % fin !== 0) throw new ModelConversionError(`convolution ${node.name}: ${c} input channels do not divide into filters of ${fin}`);
    const s = listInts(node, 'strides');
    const d = node.attr.dilations?.list?.i ? listInts(node, 'dilations') : [1, 1, 1, 1];
    const padding = node.attr.padding?.s ? atob(node.attr.padding.s) : 'VALID';
    if (padding !== 'VALID' && padding !== 'SAME') throw new ModelConversionError(`convolution ${node.name} has ${padding} padding, which the converter does not handle`);
    const weights = addInit(`${node.name}/weights_oihw`, OnnxType.Float, [fout, fin, kh, kw], bytesOf(hwioToOihw(filter.values as Float32Array, kh, kw, fin, fout)));
    const attrs: Record<string, OnnxAttribute> = { kernel_shape: [kh, kw], strides: [s[1]!, s[2]!], dilations: [d[1]!, d[2]!], group: c / fin };
    if (padding === 'SAME') attrs.auto_pad = 'SAME_UPPER';
    const oh = outSize(h, kh, s[1]!, d[1]!, padding);
    const ow = outSize(w, kw, s[2]!, d[2]!, padding);
    wrapNchw(node, operand(node.inputs[0]!, node), 'Conv', [weights], attrs, [n, oh, ow, fout]);
  }

  if (!input) throw new ModelConversionError('the detector model has no input');
  const outputs = graph.outputs.map((o) => {
    const v = values.get(o.name);
    if (!v || v.kind !== 'tensor') throw new ModelConversionError(`the detector model's output ${o.name} is not computed`);
    return { name: o.name, shape: v.shape };
  });
  const onnx = encodeOnnxModel(
    {
      name: 'hearth-detector',
      nodes,
      initializers,
      inputs,
      outputs: outputs.map((o) => ({ name: o.name, type: OnnxType.Float, dims: o.shape })),
    },
    producer,
  );
  return { onnx, input, outputs };
}

function requireNhwc(node: TfNode): void {
  const format = node.attr.data_format?.s ? atob(node.attr.data_format.s) : 'NHWC';
  if (format !== 'NHWC') throw new ModelConversionError(`${node.op} ${node.name} is ${format}; the converter handles NHWC`);
}

function listInts(node: TfNode, key: string): number[] {
  const list = node.attr[key]?.list?.i;
  if (!list || list.length !== 4) throw new ModelConversionError(`${node.op} ${node.name} has no 4-value ${key}`);
  return list.map(Number);
}

function outSize(size: number, kernel: number, stride: number, dilation: number, padding: string): number {
  if (padding === 'SAME') return Math.ceil(size / stride);
  return Math.floor((size - (kernel - 1) * dilation - 1) / stride) + 1;
}

function hwioToOihw(src: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = src[((y * kw + x) * cin + i) * cout + o]!;
  return out;
}

function broadcast(a: number[], b: number[], node: TfNode): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ModelConversionError(`${node.name}: shapes [${a}] and [${b}] do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

function resolveReshape(inShape: number[], target: number[], node: TfNode): number[] {
  const total = inShape.reduce((x, y) => x * y, 1);
  const known = target.filter((t) => t >= 0).reduce((x, y) => x * y, 1);
  const shape = target.map((t) => (t < 0 ? total / known : t));
  if (shape.reduce((x, y) => x * y, 1) !== total) throw new ModelConversionError(`${node.name}: cannot reshape [${inShape}] to [${target}]`);
  return shape;
}

function foldAdd(a: TfConst, b: TfConst): TfConst {
  const n = Math.max(a.values.length, b.values.length);
  const make = a.dtype === 'int32' && b.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) make[i] = a.values[a.values.length === 1 ? 0 : i]! + b.values[b.values.length === 1 ? 0 : i]!;
  return { dtype: make instanceof Int32Array ? 'int32' : 'float32', shape: a.values.length >= b.values.length ? a.shape : b.shape, values: make };
}

/** tf.sparse_to_dense on constants: a dense tensor of `default`, `values` written at `indices`. */
function foldSparseToDense(node: TfNode, [indices, shape, sparse, fill]: TfConst[]): TfConst {
  if (!indices || !shape || !sparse || !fill) throw new ModelConversionError(`${node.name} needs four inputs`);
  const dims = Array.from(shape.values);
  if (dims.length !== 1) throw new ModelConversionError(`${node.name}: only 1-D SparseToDense is handled`);
  const out = new Int32Array(dims[0]!).fill(fill.values[0]!);
  Array.from(indices.values).forEach((index, k) => {
    out[index] = sparse.values[sparse.values.length === 1 ? 0 : k]!;
  });
  return { dtype: 'int32', shape: dims, values: out };
}

function bytesOf(array: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
