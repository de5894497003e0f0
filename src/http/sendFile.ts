/**
 * Streams a media file with HTTP Range support (single ranges; a multi-range request is
 * answered with the whole file, as RFC 9110 allows). The caller has already passed the
 * gate and resolved the file inside its root.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { HttpError, notFound } from './errors.ts';
import { privateNoStore } from './access.ts';

export async function sendMediaFile(req: Request, res: Response, file: string, contentType: string): Promise<void> {
  const info = await stat(file);
  if (!info.isFile()) throw notFound('the file for this item is missing; it may have just been deleted');
  const size = info.size;
  privateNoStore(res);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Accept-Ranges', 'bytes');
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (req.headers.range !== undefined) {
    const ranges = req.range(size, { combine: true });
    if (ranges === -2 || ranges === undefined) {
      throw new HttpError(400, 'bad_range', 'the Range header is malformed; use e.g. "bytes=0-1023"');
    }
    if (ranges === -1) {
      throw new HttpError(416, 'range_not_satisfiable', `the requested range is outside the file (${size} bytes)`, {
        'Content-Range': `bytes */${size}`,
      });
    }
    const only = ranges.length === 1 ? ranges[0] : undefined;
    if (ranges.type === 'bytes' && only) {
      start = only.start;
      end = only.end;
      status = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    }
  }
  res.status(status);
  res.setHeader('Content-Length', String(size === 0 ? 0 : end - start + 1));
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  await pipeline(createReadStream(file, { start, end }), res).catch((error: NodeJS.ErrnoException) => {
    // The viewer closing the tab mid-file is normal, not an error.
    if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  });
}
