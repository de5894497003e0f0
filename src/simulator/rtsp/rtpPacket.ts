/** Just enough RTP (RFC 3550) and H.264 payload (RFC 6184) parsing to relay from a keyframe. */

export interface RtpHeader {
  payloadType: number;
  sequence: number;
  timestamp: number;
  /** Offset of the payload in the packet. */
  payloadOffset: number;
}

export function parseRtpHeader(packet: Buffer): RtpHeader | undefined {
  if (packet.length < 12 || packet[0] === undefined || packet[0] >> 6 !== 2) return undefined;
  const first = packet[0];
  const csrcCount = first & 0x0f;
  let offset = 12 + csrcCount * 4;
  if ((first & 0x10) !== 0) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  if (offset > packet.length) return undefined;
  return {
    payloadType: (packet[1] ?? 0) & 0x7f,
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    payloadOffset: offset,
  };
}

const nalSps = 7;
const nalIdr = 5;
const stapA = 24;
const fuA = 28;

/** Whether an H.264 RTP payload starts or carries an SPS or IDR NAL unit (the start of a keyframe). */
export function carriesH264Keyframe(payload: Buffer): boolean {
  const first = payload[0];
  if (first === undefined) return false;
  const type = first & 0x1f;
  if (type === nalSps || type === nalIdr) return true;
  if (type === fuA) {
    const header = payload[1] ?? 0;
    return (header & 0x80) !== 0 && (header & 0x1f) === nalIdr;
  }
  if (type === stapA) {
    // Aggregated NAL units: 16-bit size, then the unit; bounded by the payload length.
    let offset = 1;
    while (offset + 3 <= payload.length) {
      const size = payload.readUInt16BE(offset);
      const inner = (payload[offset + 2] ?? 0) & 0x1f;
      if (inner === nalSps || inner === nalIdr) return true;
      offset += 2 + size;
    }
  }
  return false;
}

/** Unsigned 32-bit RTP timestamp difference a - b. */
export function timestampDelta(a: number, b: number): number {
  return (a - b) >>> 0;
}
