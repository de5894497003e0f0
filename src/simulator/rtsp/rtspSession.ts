/**
 * One RTSP session: the tracks a client SET UP and how each reaches it (interleaved on
 * the RTSP connection, or UDP to its client ports). Media starts at the next keyframe
 * after PLAY; a client whose socket backs up loses packets (and resumes at the next
 * keyframe), and one that stays backed up is disconnected: memory stays bounded.
 */
import type dgram from 'node:dgram';
import type { Socket } from 'node:net';
import { interleavedFrame } from './rtspMessage.ts';
import type { RtpPacketInfo, RtpTrack } from './rtpTrack.ts';
import type { TransportRequest } from './transportHeader.ts';

/** Bytes queued on a client's TCP socket before its packets are dropped. */
export const maxQueuedBytes = 1024 * 1024;
/** A client backed up this long is disconnected. */
export const maxBackloggedMs = 10_000;
/** Datagrams queued in Node for one UDP socket before packets are dropped. */
const maxUdpQueue = 512;
/** PLAY answers when the first keyframe goes out, or after this long without one (a frozen encoder). */
export const playWaitMs = 3_000;

export interface UdpSockets {
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
}

export interface SessionContext {
  connection: Socket;
  udp: UdpSockets;
  isFrozen: () => boolean;
  onBacklogged: (connection: Socket) => void;
  /** Default `maxBackloggedMs`; tests shorten it. */
  maxBackloggedMs?: number;
}

class SessionTrack {
  waitingForKey = true;
  private unsubscribe: (() => void) | undefined;

  constructor(
    readonly track: RtpTrack,
    readonly url: string,
    readonly transport: TransportRequest,
    private readonly session: RtspSession,
  ) {}

  attach(): void {
    this.unsubscribe ??= this.track.subscribe({
      rtp: (packet, info) => this.onRtp(packet, info),
      rtcp: (packet) => {
        if (!this.waitingForKey) this.session.send(this.transport, 'rtcp', packet);
      },
    });
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private onRtp(packet: Buffer, info: RtpPacketInfo): void {
    const session = this.session;
    if (!session.playing) return;
    if (session.context.isFrozen()) {
      this.waitingForKey = true;
      return;
    }
    if (this.waitingForKey) {
      if (!info.keyStart) return;
      // Audio follows the video's first keyframe, so a client sees both from the same instant.
      if (this.track.kind === 'audio' && session.hasVideo && !session.videoStarted) return;
      this.waitingForKey = false;
      if (this.track.kind === 'video') session.firstVideoPacket(this, info);
    }
    if (!session.send(this.transport, 'rtp', packet)) this.waitingForKey = true;
  }
}

export class RtspSession {
  playing = false;
  videoStarted = false;
  lastActivityMs = Date.now();
  private readonly tracks = new Map<number, SessionTrack>();
  private pendingPlay: ((rtpInfo: string | undefined) => void) | undefined;
  private playTimer: NodeJS.Timeout | undefined;
  private backloggedSinceMs: number | undefined;

  constructor(
    readonly id: string,
    readonly mountPath: string,
    readonly context: SessionContext,
  ) {}

  get hasVideo(): boolean {
    return [...this.tracks.values()].some((t) => t.track.kind === 'video');
  }

  get trackCount(): number {
    return this.tracks.size;
  }

  /** Whether a UDP packet from this address belongs to one of this session's clients (keepalive by RTCP). */
  ownsUdpPeer(address: string, port: number): boolean {
    return (
      address === this.context.connection.remoteAddress &&
      [...this.tracks.values()].some((t) => t.transport.mode === 'udp' && (t.transport.clientRtcpPort === port || t.transport.clientRtpPort === port))
    );
  }

  usesChannel(channel: number): boolean {
    return [...this.tracks.values()].some((t) => t.transport.mode === 'tcp' && (t.transport.rtpChannel === channel || t.transport.rtcpChannel === channel));
  }

  addTrack(index: number, track: RtpTrack, url: string, transport: TransportRequest): void {
    this.tracks.get(index)?.detach();
    const sessionTrack = new SessionTrack(track, url, transport, this);
    this.tracks.set(index, sessionTrack);
    if (this.playing) sessionTrack.attach();
  }

  /**
   * Starts media and calls `respond` exactly once: synchronously just before the first
   * keyframe is sent (with RTP-Info for it), or after `playWaitMs` without one.
   */
  play(respond: (rtpInfo: string | undefined) => void): void {
    if (this.playing) {
      respond(undefined);
      return;
    }
    this.playing = true;
    this.videoStarted = !this.hasVideo;
    if (!this.hasVideo) {
      respond(undefined);
    } else {
      this.pendingPlay = respond;
      this.playTimer = setTimeout(() => this.answerPlay(undefined), playWaitMs);
    }
    for (const t of this.tracks.values()) {
      t.waitingForKey = true;
      t.attach();
    }
  }

  pause(): void {
    this.playing = false;
    this.videoStarted = false;
    for (const t of this.tracks.values()) t.detach();
    this.answerPlay(undefined);
  }

  firstVideoPacket(track: SessionTrack, info: RtpPacketInfo): void {
    this.videoStarted = true;
    this.answerPlay(`url=${track.url};seq=${info.sequence};rtptime=${info.timestamp}`);
  }

  /** Sends one packet; false when it was dropped because the client is not keeping up. */
  send(transport: TransportRequest, kind: 'rtp' | 'rtcp', packet: Buffer): boolean {
    if (transport.mode === 'udp') {
      const socket = kind === 'rtp' ? this.context.udp.rtp : this.context.udp.rtcp;
      if (socket.getSendQueueCount() > maxUdpQueue) return false;
      const host = this.context.connection.remoteAddress;
      if (host === undefined) return false;
      socket.send(packet, kind === 'rtp' ? transport.clientRtpPort : transport.clientRtcpPort, host);
      return true;
    }
    const connection = this.context.connection;
    if (connection.destroyed) return false;
    if (connection.writableLength > maxQueuedBytes) {
      const now = Date.now();
      this.backloggedSinceMs ??= now;
      if (now - this.backloggedSinceMs > (this.context.maxBackloggedMs ?? maxBackloggedMs)) this.context.onBacklogged(connection);
      return false;
    }
    this.backloggedSinceMs = undefined;
    connection.write(interleavedFrame(kind === 'rtp' ? transport.rtpChannel : transport.rtcpChannel, packet));
    return true;
  }

  close(): void {
    this.playing = false;
    for (const t of this.tracks.values()) t.detach();
    this.tracks.clear();
    if (this.playTimer !== undefined) clearTimeout(this.playTimer);
    this.pendingPlay = undefined;
  }

  private answerPlay(rtpInfo: string | undefined): void {
    if (this.playTimer !== undefined) clearTimeout(this.playTimer);
    this.playTimer = undefined;
    const respond = this.pendingPlay;
    this.pendingPlay = undefined;
    if (respond === undefined) return;
    // Without a keyframe in time, audio may start anyway; video still waits for its key.
    if (rtpInfo === undefined) this.videoStarted = true;
    respond(rtpInfo);
  }
}
