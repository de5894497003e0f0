/**
 * RTSP/1.0 framing (RFC 2326 §4, §10.12): requests from a client, interleaved `$` frames
 * (its RTCP receiver reports over TCP), and responses. Bounded: one request head or body
 * larger than `maxMessageBytes` is a protocol error, never an ever-growing buffer.
 */

export const maxMessageBytes = 64 * 1024;

export class RtspProtocolError extends Error {
  override name = 'RtspProtocolError';
}

export interface RtspRequest {
  method: string;
  uri: string;
  /** Lower-case header names; a repeated header keeps its last value. */
  headers: Map<string, string>;
  body: Buffer;
}

export type RtspChunk = { type: 'request'; request: RtspRequest } | { type: 'interleaved'; channel: number; payload: Buffer };

export class RtspRequestReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Appends bytes from the socket and returns every complete request or frame they finish. */
  push(data: Buffer): RtspChunk[] {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    const chunks: RtspChunk[] = [];
    // Each turn consumes at least one byte, so the loop ends with the buffer.
    for (;;) {
      const chunk = this.next();
      if (chunk === undefined) break;
      chunks.push(chunk);
    }
    if (this.buffer.length > maxMessageBytes) {
      throw new RtspProtocolError(`RTSP message larger than ${maxMessageBytes} bytes`);
    }
    return chunks;
  }

  private next(): RtspChunk | undefined {
    if (this.buffer.length === 0) return undefined;
    if (this.buffer[0] === 0x24) {
      if (this.buffer.length < 4) return undefined;
      const length = this.buffer.readUInt16BE(2);
      if (this.buffer.length < 4 + length) return undefined;
      const frame: RtspChunk = { type: 'interleaved', channel: this.buffer[1] ?? 0, payload: this.buffer.subarray(4, 4 + length) };
      this.buffer = this.buffer.subarray(4 + length);
      return frame;
    }
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const lines = this.buffer.subarray(0, headEnd).toString('utf8').split('\r\n');
    const requestLine = /^([A-Z_]+) (\S+) RTSP\/1\.0$/.exec(lines[0] ?? '');
    if (requestLine === null) throw new RtspProtocolError(`not an RTSP/1.0 request line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new RtspProtocolError(`malformed RTSP header line: ${JSON.stringify(line.slice(0, 80))}`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const bodyLength = Number(headers.get('content-length') ?? '0');
    if (!Number.isInteger(bodyLength) || bodyLength < 0 || bodyLength > maxMessageBytes) {
      throw new RtspProtocolError(`bad Content-Length ${headers.get('content-length')}`);
    }
    const total = headEnd + 4 + bodyLength;
    if (this.buffer.length < total) return undefined;
    const body = this.buffer.subarray(headEnd + 4, total);
    this.buffer = this.buffer.subarray(total);
    return { type: 'request', request: { method: requestLine[1] ?? '', uri: requestLine[2] ?? '', headers, body } };
  }
}

export interface RtspResponse {
  status: number;
  reason: string;
  headers: ReadonlyArray<readonly [string, string]>;
  body?: string;
}

export function formatResponse(cseq: string | undefined, response: RtspResponse): Buffer {
  const body = response.body ?? '';
  const lines = [`RTSP/1.0 ${response.status} ${response.reason}`];
  if (cseq !== undefined) lines.push(`CSeq: ${cseq}`);
  lines.push('Server: Hearth camera simulator');
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  if (body.length > 0) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

/** A 4-byte `$` header + payload, for RTP/RTCP interleaved on the RTSP connection (§10.12). */
export function interleavedFrame(channel: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(4 + payload.length);
  frame[0] = 0x24;
  frame[1] = channel;
  frame.writeUInt16BE(payload.length, 2);
  payload.copy(frame, 4);
  return frame;
}
