/** Starts listening and closes promptly: open keep-alive and streaming sockets must not hold a shutdown. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface HttpServer {
  server: Server;
  host: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

export class ListenError extends Error {
  override name = 'ListenError';
}

export function listen(app: Express, host: string, port: number): Promise<HttpServer> {
  const server = createServer(app);
  // Bounded header time defeats slowloris-style idle connections.
  server.headersTimeout = 15_000;
  server.requestTimeout = 0; // media streams are long; headersTimeout bounds the idle ones
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use; stop the other program or start Hearth with --port N`
          : error.code === 'EACCES'
            ? `not allowed to listen on port ${port}; use a port above 1023 or run as the hearth service`
            : error.code === 'EADDRNOTAVAIL'
              ? `${host} is not an address of this machine; use --host 0.0.0.0 or one of its addresses`
              : error.message;
      reject(new ListenError(why));
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        server,
        host: address.address,
        port: address.port,
        url: `http://${shownHost}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
