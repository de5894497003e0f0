/**
 * Typed HTTP errors and the one error handler: every failure leaves as JSON
 * `{error, message}` with a 4xx for anything the client got wrong, never a 500.
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../log.ts';
import { OutsideRootError } from '../playback/safePath.ts';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, 'bad_request', message);
export const notFound = (message: string): HttpError => new HttpError(404, 'not_found', message);

/** Shape of errors raised by express/body-parser/router, which carry their own status. */
interface StatusError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  message?: unknown;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof OutsideRootError) {
      // A row pointing outside its root is corruption or tampering: refuse, loudly, without detail.
      log.warn('refused a stored path outside its root', { event: 'http.path_outside_root', path: req.path, error: error.message });
    }
    const { status, code, message, headers } = describe(error);
    if (status >= 500) {
      log.error('request failed', { event: 'http.error', method: req.method, path: req.path, error: (error as Error).message });
    }
    if (res.headersSent) {
      // Mid-stream (media): the status is gone; cutting the connection tells the client.
      res.destroy();
      return;
    }
    res.status(status).set(headers).set('Cache-Control', 'private, no-store').json({ error: code, message });
  };
}

function describe(error: unknown): { status: number; code: string; message: string; headers: Record<string, string> } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message, headers: error.headers };
  if (error instanceof OutsideRootError) return { status: 404, code: 'not_found', message: 'no such file', headers: {} };
  const e = (error ?? {}) as StatusError;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (e.type === 'entity.parse.failed') {
    return { status: 400, code: 'malformed_json', message: 'the request body is not valid JSON', headers: {} };
  }
  if (e.type === 'entity.too.large') {
    return { status: 413, code: 'body_too_large', message: 'the request body is too large (at most 16 KiB)', headers: {} };
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return { status: 415, code: 'unsupported_encoding', message: 'send the body as UTF-8 JSON', headers: {} };
  }
  if (status >= 400 && status < 500) {
    // Router errors such as a malformed %-escape in the path.
    const text = e instanceof URIError || /URI|decode/i.test(String(e.message)) ? 'the URL is malformed (bad %-escape)' : String(e.message ?? 'bad request');
    return { status, code: 'bad_request', message: text, headers: {} };
  }
  return { status: 500, code: 'internal', message: 'Hearth hit an internal error; the log has the details', headers: {} };
}
