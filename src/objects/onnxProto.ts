/**
 * Writes an ONNX model (protobuf wire format) from plain objects. Hearth builds its detector's
 * ONNX graph itself from weights an npm package ships (tfjsToOnnx.ts), so it needs only the
 * handful of ONNX messages below; field numbers are those of onnx/onnx.proto.
 */

export const enum OnnxType {
  Float = 1,
  Int32 = 6,
  Int64 = 7,
}

export interface OnnxTensor {
  name: string;
  type: OnnxType;
  dims: readonly number[];
  /** Little-endian element bytes. */
  raw: Uint8Array;
}

export type OnnxAttribute = number | readonly number[] | string | { float: number } | { floats: readonly number[] };

export interface OnnxNode {
  op: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

export interface OnnxValue {
  name: string;
  type: OnnxType;
  /** null for a dimension the model leaves open. */
  dims: ReadonlyArray<number | null>;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
}

/** IR version 8 with opset 18 is what ONNX 1.13 writes; every onnxruntime since 1.14 reads it. */
const irVersion = 8;
const opsetVersion = 18;

export function encodeOnnxModel(graph: OnnxGraph, producer: string): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, irVersion);
  model.string(2, producer);
  model.message(7, encodeGraph(graph));
  const opset = new ProtoWriter();
  opset.string(1, '');
  opset.int(2, opsetVersion);
  model.message(8, opset);
  return model.finish();
}

function encodeGraph(graph: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const node of graph.nodes) w.message(1, encodeNode(node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, encodeTensor(tensor));
  for (const value of graph.inputs) w.message(11, encodeValue(value));
  for (const value of graph.outputs) w.message(12, encodeValue(value));
  return w;
}

function encodeNode(node: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) w.message(5, encodeAttribute(name, value));
  return w;
}

const enum AttributeType {
  Float = 1,
  Int = 2,
  String = 3,
  Floats = 6,
  Ints = 7,
}

function encodeAttribute(name: string, value: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, name);
  if (typeof value === 'number') {
    w.int(3, value);
    w.int(20, AttributeType.Int);
  } else if (typeof value === 'string') {
    w.bytes(4, new TextEncoder().encode(value));
    w.int(20, AttributeType.String);
  } else if (Array.isArray(value)) {
    for (const n of value as readonly number[]) w.int(8, n);
    w.int(20, AttributeType.Ints);
  } else if ('float' in value) {
    w.float(2, value.float);
    w.int(20, AttributeType.Float);
  } else if ('floats' in value) {
    for (const f of value.floats) w.float(7, f);
    w.int(20, AttributeType.Floats);
  }
  return w;
}

function encodeTensor(tensor: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of tensor.dims) w.int(1, d);
  w.int(2, tensor.type);
  w.string(8, tensor.name);
  w.bytes(9, tensor.raw);
  return w;
}

function encodeValue(value: OnnxValue): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of value.dims) {
    const dim = new ProtoWriter();
    if (d === null) dim.string(2, '?');
    else dim.int(1, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter();
  tensorType.int(1, value.type);
  tensorType.message(2, shape);
  const type = new ProtoWriter();
  type.message(1, tensorType);
  const w = new ProtoWriter();
  w.string(1, value.name);
  w.message(2, type);
  return w;
}

/** Protobuf's wire format: varints, fixed32 floats and length-delimited fields, nothing else needed here. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  int(field: number, value: number): void {
    this.varint(field * 8);
    // int64 on the wire: negatives are ten-byte two's complement varints.
    this.varint(value < 0 ? BigInt.asUintN(64, BigInt(value)) : value);
  }

  float(field: number, value: number): void {
    this.varint(field * 8 + 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  bytes(field: number, value: Uint8Array): void {
    this.varint(field * 8 + 2);
    this.varint(value.length);
    this.push(value);
  }

  message(field: number, value: ProtoWriter): void {
    this.varint(field * 8 + 2);
    this.varint(value.length);
    for (const part of value.parts) this.push(part);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  private varint(value: number | bigint): void {
    const bytes: number[] = [];
    let v = BigInt(value);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.length;
  }
}
