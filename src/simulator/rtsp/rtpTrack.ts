/**
 * What the RTSP server serves: live RTP tracks it can subscribe to. The encoder
 * (src/simulator/encoder.ts) implements them; the server never knows about ffmpeg.
 */

export type TrackKind = 'video' | 'audio';

/** The parts of the encoder's SDP that describe one track (payload type, rtpmap, fmtp). */
export interface TrackMedia {
  kind: TrackKind;
  payloadType: number;
  /** e.g. "H264/90000" */
  rtpmap: string;
  /** e.g. "packetization-mode=1; sprop-parameter-sets=...", without "a=fmtp:96 " */
  fmtp: string | undefined;
  clockRate: number;
  bandwidthKbps: number | undefined;
}

export interface RtpPacketInfo {
  sequence: number;
  timestamp: number;
  /** First packet of a keyframe access unit (SPS or IDR); always true for audio. */
  keyStart: boolean;
}

export interface RtpListener {
  rtp(packet: Buffer, info: RtpPacketInfo): void;
  rtcp(packet: Buffer): void;
}

export interface RtpTrack {
  readonly kind: TrackKind;
  /** Undefined until the encoder has written its SDP. */
  media(): TrackMedia | undefined;
  /** Returns the unsubscribe function. */
  subscribe(listener: RtpListener): () => void;
}
