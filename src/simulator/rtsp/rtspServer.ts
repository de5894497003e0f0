/**
 * The RTSP server of one simulated camera (RFC 2326, the subset ffmpeg/VLC-class clients
 * use): OPTIONS, DESCRIBE, SETUP (TCP interleaved or UDP unicast), PLAY, PAUSE, TEARDOWN,
 * GET_PARAMETER/SET_PARAMETER keepalives; Digest auth; a session limit answered with
 * 453 like real cameras; idle sessions expire. A frozen camera accepts connections and
 * reads requests but answers nothing and sends no media.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from '../../log.ts';
import type { ConnectionGauge } from '../connectionGauge.ts';
import { describeSdp, trackControl } from './describeSdp.ts';
import { DigestAuthenticator, type DigestCredentials } from './digestAuth.ts';
import type { RtpTrack, TrackMedia } from './rtpTrack.ts';
import { formatResponse, RtspProtocolError, RtspRequestReader, type RtspRequest, type RtspResponse } from './rtspMessage.ts';
import { RtspSession, type UdpSockets } from './rtspSession.ts';
import { chooseTransport, formatTransport } from './transportHeader.ts';

export interface RtspMount {
  /** Request path, e.g. "/stream1". */
  path: string;
  tracks: readonly RtpTrack[];
}

export interface RtspServerOptions {
  host: string;
  /** 0 = ephemeral. */
  port: number;
  realm: string;
  credentials: () => DigestCredentials;
  mounts: readonly RtspMount[];
  /** Concurrent sessions before SETUP answers 453 Not Enough Bandwidth. */
  maxSessions: number;
  sessionTimeoutSec: number;
  isFrozen: () => boolean;
  log: Logger;
  /** Counts connection attempts (accept until PLAY or close) for the reconnect-storm bench. */
  attempts?: ConnectionGauge;
}

export class RtspServerError extends Error {
  override name = 'RtspServerError';
}

/** Connections beyond this are closed at once: a connect flood cannot exhaust the process. */
const maxConnections = 64;
const sweepIntervalMs = 2_000;
const publicMethods = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER';

export class RtspServer {
  private readonly sessions = new Map<string, RtspSession>();
  private readonly connections = new Set<Socket>();
  /** Ends each open connection's attempt in the gauge (idempotent). */
  private readonly attemptEnds = new Map<Socket, () => void>();
  private readonly auth: DigestAuthenticator;
  private readonly sweeper: NodeJS.Timeout;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly options: RtspServerOptions,
    private readonly server: net.Server,
    private readonly udp: UdpSockets,
  ) {
    this.auth = new DigestAuthenticator(options.realm, options.credentials);
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (error) => options.log.error('simulated RTSP server error', { error: error.message }));
    for (const socket of [udp.rtp, udp.rtcp]) {
      // Client RTCP receiver reports keep UDP sessions alive.
      socket.on('message', (_packet, remote) => this.touchUdpPeer(remote.address, remote.port));
      socket.on('error', (error) => options.log.warn('simulated RTSP UDP socket error', { error: error.message }));
    }
    this.sweeper = setInterval(() => this.expireIdleSessions(), sweepIntervalMs);
    this.sweeper.unref();
  }

  static async start(options: RtspServerOptions): Promise<RtspServer> {
    const server = net.createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    try {
      const [rtp, rtcp] = await Promise.all([bindUdp(options.host), bindUdp(options.host)]);
      return new RtspServer(options, server, { rtp, rtcp });
    } catch (error) {
      server.close();
      throw error;
    }
  }

  get address(): { host: string; port: number } {
    return { host: this.options.host, port: (this.server.address() as AddressInfo).port };
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stops listening, drops every session and connection (clients see the camera vanish). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      clearInterval(this.sweeper);
      for (const session of this.sessions.values()) session.close();
      this.sessions.clear();
      const listening = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const socket of this.connections) socket.destroy();
      this.udp.rtp.close();
      this.udp.rtcp.close();
      await listening;
    })();
    return this.closed;
  }

  private accept(socket: Socket): void {
    const endAttempt = this.options.attempts?.begin() ?? noAttempt;
    if (this.connections.size >= maxConnections) {
      this.options.log.warn('simulated RTSP server refusing connection: too many open', { max: maxConnections });
      socket.destroy();
      endAttempt();
      return;
    }
    this.connections.add(socket);
    this.attemptEnds.set(socket, endAttempt);
    const reader = new RtspRequestReader();
    socket.on('data', (data) => {
      let chunks;
      try {
        chunks = reader.push(data);
      } catch (error) {
        if (!(error instanceof RtspProtocolError)) throw error;
        this.options.log.warn('simulated RTSP server closing connection', { reason: error.message });
        socket.destroy();
        return;
      }
      for (const chunk of chunks) {
        if (chunk.type === 'interleaved') this.touchChannel(socket, chunk.channel);
        else if (!this.options.isFrozen()) this.handle(socket, chunk.request);
      }
    });
    socket.on('error', (error) => this.options.log.debug('simulated RTSP client connection error', { error: error.message }));
    socket.on('close', () => {
      this.connections.delete(socket);
      this.attemptEnds.get(socket)?.();
      this.attemptEnds.delete(socket);
      // Cameras end a client's sessions with its connection; it also frees the session slots.
      for (const [id, session] of this.sessions) {
        if (session.context.connection === socket) {
          session.close();
          this.sessions.delete(id);
        }
      }
    });
  }

  private handle(socket: Socket, request: RtspRequest): void {
    const cseq = request.headers.get('cseq');
    const reply = (response: RtspResponse): void => {
      if (!socket.destroyed) socket.write(formatResponse(cseq, response));
    };
    if (request.method !== 'OPTIONS' && !this.auth.verify(request.method, request.headers.get('authorization'))) {
      reply({ status: 401, reason: 'Unauthorized', headers: [['WWW-Authenticate', this.auth.challenge()]] });
      return;
    }
    const sessionId = request.headers.get('session')?.split(';')[0]?.trim();
    const session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    if (session !== undefined) session.lastActivityMs = Date.now();
    switch (request.method) {
      case 'OPTIONS':
        reply({ status: 200, reason: 'OK', headers: [['Public', publicMethods]] });
        return;
      case 'DESCRIBE':
        reply(this.describe(request));
        return;
      case 'SETUP':
        reply(this.setup(socket, request, sessionId, session));
        return;
      case 'PLAY':
        if (session === undefined) return reply(sessionNotFound(sessionId));
        session.play((rtpInfo) => {
          reply({
            status: 200,
            reason: 'OK',
            headers: [['Session', session.id], ['Range', 'npt=0.000-'], ...(rtpInfo === undefined ? [] : [['RTP-Info', rtpInfo] as const])],
          });
          // Playing: this connection's attempt succeeded.
          this.attemptEnds.get(socket)?.();
        });
        return;
      case 'PAUSE':
        if (session === undefined) return reply(sessionNotFound(sessionId));
        session.pause();
        reply({ status: 200, reason: 'OK', headers: [['Session', session.id]] });
        return;
      case 'TEARDOWN':
        if (session === undefined) return reply(sessionNotFound(sessionId));
        session.close();
        this.sessions.delete(session.id);
        reply({ status: 200, reason: 'OK', headers: [['Session', session.id]] });
        return;
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        if (sessionId !== undefined && session === undefined) return reply(sessionNotFound(sessionId));
        reply({ status: 200, reason: 'OK', headers: session === undefined ? [] : [['Session', session.id]] });
        return;
      default:
        reply({ status: 501, reason: 'Not Implemented', headers: [['Public', publicMethods]] });
    }
  }

  private describe(request: RtspRequest): RtspResponse {
    const target = this.resolve(request.uri);
    if (target === undefined) return notFound(request.uri, this.options.mounts);
    const medias = target.mount.tracks.map((t) => t.media());
    if (!medias.every((m): m is TrackMedia => m !== undefined)) {
      return { status: 503, reason: 'Service Unavailable', headers: [['Retry-After', '2']] };
    }
    return {
      status: 200,
      reason: 'OK',
      headers: [['Content-Type', 'application/sdp'], ['Content-Base', `${target.base}/`]],
      body: describeSdp({ host: this.options.host, sessionName: `Hearth simulated camera ${target.mount.path}`, tracks: medias }),
    };
  }

  private setup(socket: Socket, request: RtspRequest, sessionId: string | undefined, existing: RtspSession | undefined): RtspResponse {
    if (sessionId !== undefined && existing === undefined) return sessionNotFound(sessionId);
    const target = this.resolve(request.uri);
    if (target === undefined) return notFound(request.uri, this.options.mounts);
    const trackIndex = target.trackIndex ?? (target.mount.tracks.length === 1 ? 0 : undefined);
    const track = trackIndex === undefined ? undefined : target.mount.tracks[trackIndex];
    if (trackIndex === undefined || track === undefined) {
      return { status: 404, reason: 'Not Found', headers: [], body: `SETUP needs a track URL such as ${target.base}/${trackControl(0)}\r\n` };
    }
    const session = existing ?? this.newSession(socket, target.mount.path);
    if (session === undefined) {
      this.options.log.info('simulated camera refusing session: limit reached', { max: this.options.maxSessions });
      return { status: 453, reason: 'Not Enough Bandwidth', headers: [] };
    }
    if (session.context.connection !== socket) {
      return { status: 455, reason: 'Method Not Valid in This State', headers: [], body: 'a session is bound to the connection that created it\r\n' };
    }
    let nextChannel = 0;
    while (session.usesChannel(nextChannel) && nextChannel < 254) nextChannel += 2;
    const transport = chooseTransport(request.headers.get('transport'), nextChannel);
    if (transport === undefined) {
      if (existing === undefined) this.dropSession(session);
      return { status: 461, reason: 'Unsupported Transport', headers: [] };
    }
    session.addTrack(trackIndex, track, `${target.base}/${trackControl(trackIndex)}`, transport);
    const serverPorts = { serverRtpPort: (this.udp.rtp.address() as AddressInfo).port, serverRtcpPort: (this.udp.rtcp.address() as AddressInfo).port };
    return {
      status: 200,
      reason: 'OK',
      headers: [['Transport', formatTransport(transport, serverPorts)], ['Session', `${session.id};timeout=${this.options.sessionTimeoutSec}`]],
    };
  }

  private newSession(socket: Socket, mountPath: string): RtspSession | undefined {
    if (this.sessions.size >= this.options.maxSessions) return undefined;
    const session = new RtspSession(randomBytes(8).toString('hex').toUpperCase(), mountPath, {
      connection: socket,
      udp: this.udp,
      isFrozen: this.options.isFrozen,
      onBacklogged: (connection) => {
        this.options.log.warn('simulated RTSP client too slow; disconnecting it', { remote: connection.remoteAddress });
        connection.destroy();
      },
    });
    this.sessions.set(session.id, session);
    return session;
  }

  private dropSession(session: RtspSession): void {
    session.close();
    this.sessions.delete(session.id);
  }

  /** The mount and optional track index a request URI names, and the URL base to advertise. */
  private resolve(uri: string): { mount: RtspMount; trackIndex: number | undefined; base: string } | undefined {
    let pathname: string;
    try {
      pathname = new URL(uri).pathname.replace(/\/+$/, '');
    } catch (error) {
      if (error instanceof TypeError) return undefined;
      throw error;
    }
    const { host, port } = this.address;
    for (const mount of this.options.mounts) {
      const base = `rtsp://${host}:${port}${mount.path}`;
      if (pathname === mount.path) return { mount, trackIndex: undefined, base };
      const control = /^\/trackID=(\d+)$/.exec(pathname.slice(mount.path.length));
      if (pathname.startsWith(`${mount.path}/`) && control !== null) return { mount, trackIndex: Number(control[1]), base };
    }
    return undefined;
  }

  private touchChannel(socket: Socket, channel: number): void {
    for (const session of this.sessions.values()) {
      if (session.context.connection === socket && session.usesChannel(channel)) session.lastActivityMs = Date.now();
    }
  }

  private touchUdpPeer(address: string, port: number): void {
    for (const session of this.sessions.values()) if (session.ownsUdpPeer(address, port)) session.lastActivityMs = Date.now();
  }

  private expireIdleSessions(): void {
    const cutoff = Date.now() - this.options.sessionTimeoutSec * 1000;
    for (const session of [...this.sessions.values()]) {
      if (session.lastActivityMs < cutoff) {
        this.options.log.info('simulated RTSP session timed out', { session: session.id });
        this.dropSession(session);
      }
    }
  }
}

const noAttempt = (): void => undefined;

function sessionNotFound(sessionId: string | undefined): RtspResponse {
  return { status: 454, reason: 'Session Not Found', headers: [], body: `no session ${sessionId ?? '(none given)'}\r\n` };
}

function notFound(uri: string, mounts: readonly RtspMount[]): RtspResponse {
  return { status: 404, reason: 'Not Found', headers: [], body: `no stream at ${uri}; this camera serves ${mounts.map((m) => m.path).join(', ')}\r\n` };
}

function bindUdp(host: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
