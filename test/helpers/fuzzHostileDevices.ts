/**
 * Hostile "cameras" on loopback for test/e2e/fault-hostile-camera.test.ts: an ONVIF device service that
 * answers every request badly (one behaviour per URL prefix), and RTSP servers that take
 * the connection and then never deliver a frame. Each counts the connections it saw, so
 * a test can tell "Hearth keeps retrying" from "Hearth hung on the first attempt".
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export const onvifBehaviours = ['huge', 'drip', 'malformed', 'laughs', 'quadratic', 'binary', 'html', 'no-serial', 'redirect', 'endless-headers'] as const;
export type OnvifBehaviour = (typeof onvifBehaviours)[number];

const soapOpen = '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body>';
const soapClose = '</s:Body></s:Envelope>';

const laughs =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">' +
  Array.from({ length: 8 }, (_, i) => `<!ENTITY lol${i + 2} "${`&lol${i === 0 ? '' : i + 1};`.repeat(10)}">`).join('') +
  ']><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tds:GetSystemDateAndTimeResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl">&lol9;</tds:GetSystemDateAndTimeResponse></s:Body></s:Envelope>';

/** One large entity referenced many times: the "quadratic blowup" that slips past depth limits. */
const quadratic = (() => {
  const big = 'x'.repeat(50_000);
  return `<?xml version="1.0"?><!DOCTYPE q [<!ENTITY big "${big}">]>${soapOpen}<tds:GetDeviceInformationResponse><tds:SerialNumber>${'&big;'.repeat(2_000)}</tds:SerialNumber></tds:GetDeviceInformationResponse>${soapClose}`;
})();

export interface HostileOnvif {
  url(behaviour: OnvifBehaviour): string;
  requests: Record<string, number>;
  close(): Promise<void>;
}

export async function startHostileOnvif(): Promise<HostileOnvif> {
  const requests: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((request, response) => {
    request.resume();
    const behaviour = (request.url ?? '/').split('/')[1] as OnvifBehaviour;
    requests[behaviour] = (requests[behaviour] ?? 0) + 1;
    response.on('error', () => undefined);
    const soap = (): void => {
      response.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
    };
    switch (behaviour) {
      case 'huge': {
        // 200 MB of one text node, as fast as the client takes it.
        soap();
        response.write(`${soapOpen}<tds:GetSystemDateAndTimeResponse><x>`);
        const chunk = Buffer.alloc(1024 * 1024, 'a');
        let sent = 0;
        const pump = (): void => {
          while (sent < 200) {
            sent += 1;
            if (!response.write(chunk)) {
              response.once('drain', pump);
              return;
            }
          }
          response.end(`</x></tds:GetSystemDateAndTimeResponse>${soapClose}`);
        };
        pump();
        break;
      }
      case 'drip': {
        // A byte every 100 ms, forever: never idle long enough for an inactivity timeout.
        soap();
        response.write(soapOpen);
        const timer = setInterval(() => response.write('<'), 100);
        timers.add(timer);
        response.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
        });
        break;
      }
      case 'malformed':
        soap();
        response.end(`${soapOpen}<tds:GetSystemDateAndTimeResponse><tt:UTCDateTime><tt:Date><tt:Year>20x6</tt:Year></tt:Date>${'<unclosed>'.repeat(1000)}<<>>&&;;</s:Body>`);
        break;
      case 'laughs':
        soap();
        response.end(laughs);
        break;
      case 'quadratic':
        soap();
        response.end(quadratic);
        break;
      case 'binary':
        soap();
        response.end(Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 256)));
        break;
      case 'html':
        response.writeHead(200, { 'Content-Type': 'text/html' });
        response.end('<html><body><form>Login<input name=pw></form></body></html>');
        break;
      case 'no-serial':
        // Valid SOAP for every call, with empty identity fields.
        soap();
        response.end(
          `${soapOpen}<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime><tt:Date><tt:Year>2026</tt:Year><tt:Month>1</tt:Month><tt:Day>1</tt:Day></tt:Date><tt:Time><tt:Hour>0</tt:Hour><tt:Minute>0</tt:Minute><tt:Second>0</tt:Second></tt:Time></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>` +
            `<tds:GetDeviceInformationResponse><tds:Manufacturer></tds:Manufacturer><tds:Model></tds:Model><tds:FirmwareVersion></tds:FirmwareVersion><tds:SerialNumber></tds:SerialNumber><tds:HardwareId></tds:HardwareId></tds:GetDeviceInformationResponse>${soapClose}`,
        );
        break;
      case 'redirect':
        // Somewhere else on loopback where nothing listens: must not be followed out of the LAN, and must end.
        response.writeHead(302, { Location: 'http://127.0.0.1:1/onvif/device_service' });
        response.end();
        break;
      case 'endless-headers': {
        // Header lines trickled forever: the body never starts.
        response.socket?.write('HTTP/1.1 200 OK\r\n');
        const timer = setInterval(() => response.socket?.write(`X-Filler: ${'z'.repeat(100)}\r\n`), 50);
        timers.add(timer);
        response.socket?.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
        });
        break;
      }
      default:
        response.writeHead(404);
        response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (behaviour) => `http://127.0.0.1:${port}/${behaviour}/onvif/device_service`,
    requests,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type RtspBehaviour = 'silent' | 'mute';

export interface HostileRtsp {
  url: string;
  connections: number;
  /** RTSP methods received, in order (bounded). */
  methods: string[];
  close(): Promise<void>;
}

/**
 * `silent`: accepts TCP and never says a word. `mute`: a correct RTSP conversation
 * (OPTIONS, DESCRIBE with an H.264 SDP, SETUP over TCP, PLAY 200) and then no RTP at all.
 */
export async function startHostileRtsp(behaviour: RtspBehaviour): Promise<HostileRtsp> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, methods: [] as string[] };
  const server = net.createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (behaviour === 'silent') return;
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      if (buffer.length > 64 * 1024) {
        socket.destroy();
        return;
      }
      for (let end = buffer.indexOf('\r\n\r\n'); end >= 0; end = buffer.indexOf('\r\n\r\n')) {
        const head = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const [requestLine = '', ...lines] = head.split('\r\n');
        const [method = '', uri = ''] = requestLine.split(' ');
        if (state.methods.length < 1000) state.methods.push(method);
        const cseq = lines.find((l) => /^cseq:/i.test(l))?.split(':')[1]?.trim() ?? '0';
        const reply = (headers: string[], body = ''): void => {
          const all = [`RTSP/1.0 200 OK`, `CSeq: ${cseq}`, ...headers, ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [])];
          socket.write(`${all.join('\r\n')}\r\n\r\n${body}`);
        };
        switch (method) {
          case 'OPTIONS':
            reply(['Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER']);
            break;
          case 'DESCRIBE': {
            const sdp = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=mute camera', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1', 'a=control:track1', ''].join('\r\n');
            reply(['Content-Type: application/sdp', `Content-Base: ${uri.endsWith('/') ? uri : `${uri}/`}`], sdp);
            break;
          }
          case 'SETUP':
            reply(['Transport: RTP/AVP/TCP;unicast;interleaved=0-1', 'Session: 4242424242;timeout=60']);
            break;
          case 'PLAY':
            reply(['Session: 4242424242', 'Range: npt=0.000-']);
            break;
          default:
            reply(['Session: 4242424242']);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `rtsp://127.0.0.1:${port}/stream1`,
    get connections() {
      return state.connections;
    },
    methods: state.methods,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
