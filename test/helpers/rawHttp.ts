/** One HTTP request with full control of Host and the source address (127.0.0.x), which fetch() does not give. */
import http from 'node:http';

export interface RawAnswer {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

export function rawRequest(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const data = options.body === undefined ? null : JSON.stringify(options.body);
    const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
    if (data !== null) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(data);
    }
    const req = http.request(url, { method: options.method ?? (data === null ? 'GET' : 'POST'), localAddress: options.localAddress, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer from ${url} in 60 s`)));
    req.on('error', reject);
    req.end(data ?? undefined);
  });
}
