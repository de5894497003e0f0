-- 006: object labels on motion events (issue 17, src/objects/labelRows.ts). The detector looks at
-- frames of an open event; each label it finds that counts (src/objects/eventLabeller.ts) is kept
-- once per event with its best sighting, so an event of a person walking past is one row, not
-- one per frame. Only labels of a kind (person, vehicle, animal) are stored.
CREATE TABLE event_labels (
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  label    TEXT NOT NULL,   -- COCO class name ("person", "car", "dog")
  kind     TEXT CHECK (kind IS NULL OR kind IN ('person', 'vehicle', 'animal')),
  score    REAL NOT NULL CHECK (score >= 0 AND score <= 1),   -- best score this event
  box      TEXT NOT NULL,   -- JSON {x, y, w, h}, fractions of the frame, of the best sighting
  at_ms    INTEGER NOT NULL,   -- the time of the frame of that sighting
  PRIMARY KEY (event_id, label)
) WITHOUT ROWID;
-- GET /api/events?label=: events by label or by kind, newest first within a camera's range.
CREATE INDEX event_labels_label ON event_labels (label, event_id);
CREATE INDEX event_labels_kind ON event_labels (kind, event_id);

-- 1 once a label of the camera's alert list counts on the event (GET /api/events?alert=1, the
-- timeline's alert markers); written by the motion worker through setEventAlert.
ALTER TABLE events ADD COLUMN alert INTEGER NOT NULL DEFAULT 0 CHECK (alert IN (0, 1));

-- The timeline's markers (src/motion/eventRows.ts, eventBuckets) now also say whether a bucket
-- alerts: with alert in the index, grouping a month of events still reads the index alone.
DROP INDEX events_by_camera_start_end;
CREATE INDEX events_by_camera_start_end ON events (camera_id, start_ms, end_ms, alert);

-- Object settings of a camera adopted in the UI (config cameras keep theirs in hearth.yaml):
-- JSON {enabled, alert, minScore, zones}, validated like the file; NULL means the defaults.
ALTER TABLE cameras ADD COLUMN object_settings TEXT;
