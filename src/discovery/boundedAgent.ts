/**
 * HTTP(S) agents whose sockets stop reading after a byte budget. The `onvif` package
 * buffers whole response bodies with no limit, and the per-call deadline bounds only
 * time: over a LAN a hostile device can push 50 MB in under a second. Counting bytes
 * on the socket bounds memory no matter how the package reads.
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

/**
 * Real answers are a few KiB (the largest captured, a Hikvision PTZ's GetProfiles, is 32 KiB;
 * a 16-channel NVR's is about 200 KiB). Every byte allowed here is a byte the XML readers
 * must get through, so the cap stays near the largest real answer rather than far above it.
 */
export const defaultMaxOnvifResponseBytes = 256 * 1024;

export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
}

function limit(socket: Duplex | null | undefined, maxBytes: number): void {
  if (!socket) return;
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) {
      socket.destroy(new ResponseTooLargeError(`response larger than ${Math.round(maxBytes / 1024)} KiB; stopped reading (a camera never sends this much)`));
    }
  });
}

export function boundedAgent(secure: boolean, maxBytes: number = defaultMaxOnvifResponseBytes): http.Agent {
  if (secure) {
    return new (class extends https.Agent {
      override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
        const socket = super.createConnection(options, callback);
        limit(socket, maxBytes);
        return socket;
      }
    })({ keepAlive: false });
  }
  return new (class extends http.Agent {
    override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
      const socket = super.createConnection(options, callback);
      limit(socket, maxBytes);
      return socket;
    }
  })({ keepAlive: false });
}
