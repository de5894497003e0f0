/**
 * One elementary stream arriving from the encoder as RTP on two loopback UDP sockets
 * (RTP + RTCP), fanned out to subscribed RTSP sessions. Marks keyframe starts so a new
 * viewer begins on a picture it can decode.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { carriesH264Keyframe, parseRtpHeader } from './rtpPacket.ts';
import type { RtpListener, RtpPacketInfo, RtpTrack, TrackKind, TrackMedia } from './rtpTrack.ts';

/** 4 MiB: a keyframe burst from ffmpeg must not overflow while Node is busy elsewhere. */
const receiveBufferBytes = 4 * 1024 * 1024;

export class UdpRtpFeed implements RtpTrack {
  private readonly listeners = new Set<RtpListener>();
  private mediaInfo: TrackMedia | undefined;
  private lastKeyTimestamp: number | undefined;
  private closed = false;
  /** Called for every RTP packet with its arrival time; the encoder uses it to anchor wall time. */
  onPacket: ((info: RtpPacketInfo, arrivalMs: number) => void) | undefined;
  /** Socket errors after bind (rare on loopback); the owner logs them. */
  onError: ((error: Error) => void) | undefined;

  private constructor(
    readonly kind: TrackKind,
    private readonly rtpSocket: dgram.Socket,
    private readonly rtcpSocket: dgram.Socket,
  ) {
    rtpSocket.on('message', (packet) => this.handleRtp(packet));
    rtpSocket.on('error', (error) => this.onError?.(error));
    rtcpSocket.on('error', (error) => this.onError?.(error));
    rtcpSocket.on('message', (packet) => {
      for (const listener of this.listeners) listener.rtcp(packet);
    });
  }

  static async open(kind: TrackKind, host: string): Promise<UdpRtpFeed> {
    const [rtp, rtcp] = await Promise.all([bindUdp(host), bindUdp(host)]);
    return new UdpRtpFeed(kind, rtp, rtcp);
  }

  get ports(): { rtpPort: number; rtcpPort: number } {
    return { rtpPort: (this.rtpSocket.address() as AddressInfo).port, rtcpPort: (this.rtcpSocket.address() as AddressInfo).port };
  }

  media(): TrackMedia | undefined {
    return this.mediaInfo;
  }

  /** Set from the encoder's SDP on every (re)start; payload types and SPS/PPS may change. */
  setMedia(media: TrackMedia): void {
    this.mediaInfo = media;
    this.lastKeyTimestamp = undefined;
  }

  subscribe(listener: RtpListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.rtpSocket.close();
    this.rtcpSocket.close();
  }

  private handleRtp(packet: Buffer): void {
    const header = parseRtpHeader(packet);
    if (header === undefined) return;
    let keyStart = true;
    if (this.kind === 'video') {
      // SPS, PPS and IDR of one keyframe share a timestamp: only the first of them starts it.
      keyStart = carriesH264Keyframe(packet.subarray(header.payloadOffset)) && header.timestamp !== this.lastKeyTimestamp;
      if (keyStart) this.lastKeyTimestamp = header.timestamp;
    }
    const info: RtpPacketInfo = { sequence: header.sequence, timestamp: header.timestamp, keyStart };
    this.onPacket?.(info, Date.now());
    for (const listener of this.listeners) listener.rtp(packet, info);
  }
}

function bindUdp(host: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: receiveBufferBytes });
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
