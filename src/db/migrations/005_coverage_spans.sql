-- 005: what the timeline draws (src/recording/coverageSpans.ts): each camera stream's recorded
-- time as merged spans, so a day, a week or a month of the scrubber reads a handful of rows
-- instead of 8,640 segment rows a camera-day. Kept in the same transaction as every segment
-- insert, mark-deleting and delete (src/recording/segmentRows.ts); only live rows
-- (deleting = 0) count, so what is being deleted or was quarantined never shows as recorded.
-- Two segments at most 1,500 ms apart (coverageJoinMs) are one span; the spans of a stream
-- never overlap and are always further apart than that, so start_ms orders them and end_ms too.
CREATE TABLE coverage_spans (
  camera_id TEXT NOT NULL REFERENCES cameras (id),
  stream    TEXT NOT NULL CHECK (stream IN ('main', 'sub')),
  start_ms  INTEGER NOT NULL,
  end_ms    INTEGER NOT NULL CHECK (end_ms >= start_ms),
  PRIMARY KEY (camera_id, stream, start_ms)
) WITHOUT ROWID;

-- The timeline's motion markers group a month of one camera's events inside SQLite
-- (src/motion/eventRows.ts, eventBuckets): reading start and end from the index alone keeps
-- that a scan of index pages instead of one table page per event.
CREATE INDEX events_by_camera_start_end ON events (camera_id, start_ms, end_ms);

-- Built from the rows an existing database already holds: gaps and islands in one pass over
-- the (camera_id, stream, start_ms) index. A segment starts a new span when it begins more than
-- 1,500 ms after the latest end of the stream's earlier segments.
INSERT INTO coverage_spans (camera_id, stream, start_ms, end_ms)
SELECT camera_id, stream, min(start_ms), max(end_ms)
  FROM (SELECT camera_id, stream, start_ms, end_ms,
               sum(starts_span) OVER (PARTITION BY camera_id, stream ORDER BY start_ms, id ROWS UNBOUNDED PRECEDING) AS span
          FROM (SELECT id, camera_id, stream, start_ms, end_ms,
                       coalesce(start_ms - max(end_ms) OVER (PARTITION BY camera_id, stream ORDER BY start_ms, id
                                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > 1500, 1) AS starts_span
                  FROM segments WHERE deleting = 0))
 GROUP BY camera_id, stream, span;
