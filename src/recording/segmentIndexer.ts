/**
 * Puts finished segments into the index: fsync file, then directory, then queue the row;
 * queued rows go in one transaction per flush. A full disk (SQLITE_FULL) keeps the rows
 * queued and asks for a prune; the database is never left half-written (transactions).
 */
import { isDiskFullError, type Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import { fsyncFileAndDir } from '../util/durableFiles.ts';
import { insertSegments, type NewSegment } from './segmentRows.ts';

export const indexFlushMs = 500;
const retryFlushMs = 2_000;

export class SegmentIndexer {
  private queue: NewSegment[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly onDiskFull: () => void,
  ) {}

  /** Durable first (file + dir fsync), then queued for the next batched insert. */
  async add(segment: NewSegment, absolutePath: string): Promise<void> {
    await fsyncFileAndDir(absolutePath);
    this.queue.push(segment);
    this.schedule(indexFlushMs);
  }

  pending(): number {
    return this.queue.length;
  }

  /** Writes every queued row now; true when the queue is empty afterwards. */
  flush(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return true;
    const batch = this.queue;
    try {
      insertSegments(this.db, batch);
      this.queue = this.queue.slice(batch.length);
      this.log.debug('segments indexed', { event: 'segment.indexed', count: batch.length });
      return this.queue.length === 0;
    } catch (error) {
      if (!isDiskFullError(error)) {
        this.log.error('could not index segments; will retry', { event: 'segment.index_failed', error: (error as Error).message, pending: batch.length });
      } else {
        this.log.warn('database disk is full; pruning before indexing', { event: 'segment.index_disk_full', pending: batch.length });
        this.onDiskFull();
      }
      this.schedule(retryFlushMs);
      return false;
    }
  }

  close(): boolean {
    return this.flush();
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, ms);
  }
}
