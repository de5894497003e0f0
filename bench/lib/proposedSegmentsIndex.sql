-- Proposed migration (needs a free number from the lead): the camera-day and timeline
-- queries (segmentsOverlapping) read one table page per row through segments_by_camera_start,
-- because a camera's rows are interleaved with the other cameras' in the table. This index
-- holds every column they return, in the order they return it (id breaks ties), so a day
-- is read from one run of index pages. It replaces the narrower index it covers.
CREATE INDEX segments_by_camera_start_covering ON segments (camera_id, start_ms, id, end_ms, deleting, bytes, path);
DROP INDEX segments_by_camera_start;
