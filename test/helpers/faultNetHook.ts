/**
 * Preload (`node --import tsx --import this-file ...`) that writes every outbound network
 * attempt of the process to HEARTH_FAULT_NET_LOG as JSON lines {kind, host, port}: TCP
 * connects (net, http, fetch, tls all go through net.Socket#connect), UDP sends and
 * connects, and DNS lookups. It only observes: the attempt then proceeds unchanged.
 */
import net from 'node:net';
import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import { appendFileSync } from 'node:fs';

const file = process.env.HEARTH_FAULT_NET_LOG;

function note(kind: string, host: unknown, port: unknown): void {
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ kind, host: host === undefined ? null : String(host), port: port === undefined ? null : Number(port), pid: process.pid })}\n`);
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

const tcpConnect = net.Socket.prototype.connect as unknown as AnyFn;
(net.Socket.prototype as unknown as { connect: AnyFn }).connect = function (this: unknown, ...args: unknown[]) {
  const [first, second] = args;
  // Internal calls pass a normalized [options, cb] array as the only argument.
  const options = Array.isArray(first) ? (first[0] as Record<string, unknown>) : first;
  if (options !== null && typeof options === 'object') {
    const o = options as Record<string, unknown>;
    if (typeof o.path !== 'string') note('tcp', o.host ?? 'localhost', o.port);
  } else if (typeof options === 'number' || (typeof options === 'string' && /^\d+$/.test(options))) {
    note('tcp', typeof second === 'string' ? second : 'localhost', options);
  }
  return tcpConnect.apply(this, args);
};

/** send(msg[, offset, length][, port][, address][, cb]): the address is the last string, the port the number before it. */
const udpSend = dgram.Socket.prototype.send as unknown as AnyFn;
(dgram.Socket.prototype as unknown as { send: AnyFn }).send = function (this: unknown, ...args: unknown[]) {
  const rest = args.slice(1).filter((a) => typeof a !== 'function');
  const address = [...rest].reverse().find((a) => typeof a === 'string');
  const port = address === undefined ? rest.at(-1) : rest[rest.indexOf(address) - 1];
  note('udp', address ?? '(connected)', typeof port === 'number' ? port : undefined);
  return udpSend.apply(this, args);
};
const udpConnect = dgram.Socket.prototype.connect as unknown as AnyFn;
(dgram.Socket.prototype as unknown as { connect: AnyFn }).connect = function (this: unknown, ...args: unknown[]) {
  note('udp-connect', typeof args[1] === 'string' ? args[1] : 'localhost', args[0]);
  return udpConnect.apply(this, args);
};

const lookup = dns.lookup as unknown as AnyFn;
(dns as unknown as { lookup: AnyFn }).lookup = function (this: unknown, ...args: unknown[]) {
  note('dns', args[0], undefined);
  return lookup.apply(this, args);
};
const promiseLookup = dns.promises.lookup as unknown as AnyFn;
(dns.promises as unknown as { lookup: AnyFn }).lookup = function (this: unknown, ...args: unknown[]) {
  note('dns', args[0], undefined);
  return promiseLookup.apply(this, args);
};
for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveSrv', 'resolveTxt', 'reverse'] as const) {
  const original = dns[name] as unknown as AnyFn;
  (dns as unknown as Record<string, AnyFn>)[name] = function (this: unknown, ...args: unknown[]) {
    note('dns', args[0], undefined);
    return original.apply(this, args);
  };
}
syncBuiltinESMExports();
note('hook', 'loaded', undefined);
