-- 004: which of the camera's streams a segment holds (src/recording/subStreamRecorders.ts). 'main' is the recording
-- itself: the timeline, export, snapshot, events and every existing query read only it.
-- 'sub' is the camera's H.264 sub stream, recorded beside an H.265 main stream (a few
-- percent of its bytes, no CPU: stream copy) so browsers without HEVC can play the
-- timeline. Sub segments live under their own folder, and retention, reconcile and
-- quarantine treat them like main ones.
ALTER TABLE segments ADD COLUMN stream TEXT NOT NULL DEFAULT 'main' CHECK (stream IN ('main', 'sub'));
CREATE INDEX segments_by_camera_stream_start ON segments (camera_id, stream, start_ms);
