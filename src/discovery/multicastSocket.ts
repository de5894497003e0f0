/**
 * The one place that creates WS-Discovery multicast sockets.
 *
 * Why pinned: without IP_MULTICAST_IF a probe leaves through the default route
 * (a real LAN interface), and a listener that joins "any" interface answers
 * probes from networks it was never meant to see. Every socket here is tied to
 * one explicit local IPv4 address, sends with TTL 1 (never routed off the
 * link), and joins the group only on that address. There is deliberately no
 * "all interfaces" mode: callers loop over the addresses they were configured with.
 */
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';

export const wsDiscoveryGroup = '239.255.255.250';
export const wsDiscoveryPort = 3702;
/** One hop: discovery is link-local by definition; a TTL above 1 would let routers forward it. */
const multicastTtl = 1;

export class MulticastInterfaceRequiredError extends Error {
  override readonly name = 'MulticastInterfaceRequiredError';
}

export interface PinnedSocketOptions {
  /** Local IPv4 address of the interface to send and listen on, e.g. "127.0.0.1" or "192.168.1.5". Required. */
  interfaceAddress: string;
  /**
   * 'sender': bound to interfaceAddress on an ephemeral port (probes; replies come back unicast).
   * 'listener': bound to the group address on `port`, sharing the port (several simulated
   * cameras per process), joined to the group on interfaceAddress only.
   */
  role: 'sender' | 'listener';
  /** Listener port; default 3702. Tests pass another port to stay apart from other runs on this host. */
  port?: number;
}

export interface PinnedSocket {
  readonly socket: dgram.Socket;
  readonly interfaceAddress: string;
  /** Local port the socket is bound to. */
  readonly port: number;
  close(): Promise<void>;
}

/** Throws unless `address` is a concrete local unicast IPv4 address (not wildcard, multicast or broadcast). */
export function assertExplicitInterfaceAddress(address: unknown): asserts address is string {
  if (typeof address !== 'string' || address.length === 0) {
    throw new MulticastInterfaceRequiredError(
      'a multicast socket needs an explicit local IPv4 interface address (for example 127.0.0.1 or the LAN address of eth0); refusing to use the default route',
    );
  }
  if (!isIPv4(address)) {
    throw new MulticastInterfaceRequiredError(
      `multicast interface "${address}" is not an IPv4 address; pass the interface's IPv4 address, not its name`,
    );
  }
  const firstOctet = Number(address.split('.')[0]);
  if (address === '0.0.0.0' || address === '255.255.255.255' || (firstOctet >= 224 && firstOctet <= 239)) {
    throw new MulticastInterfaceRequiredError(
      `multicast interface "${address}" is a wildcard, broadcast or multicast address; pass one concrete local address`,
    );
  }
}

export async function openPinnedMulticastSocket(options: PinnedSocketOptions): Promise<PinnedSocket> {
  // Checked before any socket exists, so a missing address can never fall back to the default route.
  assertExplicitInterfaceAddress(options.interfaceAddress);
  const interfaceAddress = options.interfaceAddress;
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: options.role === 'listener' });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    const bindAddress = options.role === 'listener' ? wsDiscoveryGroup : interfaceAddress;
    const bindPort = options.role === 'listener' ? (options.port ?? wsDiscoveryPort) : 0;
    socket.bind(bindPort, bindAddress, () => {
      socket.off('error', onError);
      resolve();
    });
  }).catch((error: unknown) => {
    socket.close();
    throw error;
  });

  try {
    socket.setMulticastInterface(interfaceAddress);
    socket.setMulticastTTL(multicastTtl);
    // Loopback on: simulated cameras on this host must hear probes sent from it.
    socket.setMulticastLoopback(true);
    if (options.role === 'listener') socket.addMembership(wsDiscoveryGroup, interfaceAddress);
  } catch (error) {
    socket.close();
    throw error;
  }

  let closed: Promise<void> | undefined;
  return {
    socket,
    interfaceAddress,
    port: socket.address().port,
    close: () => {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}
