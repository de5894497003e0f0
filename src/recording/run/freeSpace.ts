/**
 * Free bytes on the recording disk, as the supervisor reads them (injected as `freeBytes`,
 * so a full disk can be simulated). A failed read is logged and answers null: an unknown
 * amount never stops recording by itself.
 */
import type { Logger } from '../../log.ts';
import { freeBytesOf } from '../../system/diskSpace.ts';

/** Bytes an unprivileged writer may still use under `dir`; throws when statfs fails. */
export type FreeBytesReader = (dir: string) => number;

export const statfsFreeBytes: FreeBytesReader = freeBytesOf;

export function readFreeBytes(read: FreeBytesReader, dir: string, log: Logger): number | null {
  try {
    return read(dir);
  } catch (error) {
    log.warn('cannot read free space', { event: 'storage.statfs_failed', error: (error as Error).message });
    return null;
  }
}
