-- 001: the core tables of docs/DESIGN.md, "Data". Times are integers, ms since epoch, UTC.

-- One row per camera. `id` is a slug assigned once (config or adoption) and never
-- reused for another device: it is what grants, segments and events hang on.
CREATE TABLE cameras (
  id                TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND id NOT GLOB '*[^a-z0-9-]*' AND length(id) <= 64),
  name              TEXT NOT NULL,
  -- 'config' rows are re-synced from the YAML at each start; 'adopted' rows are owned by the API.
  source            TEXT NOT NULL CHECK (source IN ('config', 'adopted')),
  enabled           INTEGER NOT NULL DEFAULT 1,
  onvif_url         TEXT,
  onvif_username    TEXT,
  -- Write-only through the API: no route ever returns it. The database file is 0600.
  onvif_password    TEXT,
  -- Hardware identity the camera proved at adoption (docs/DESIGN.md, "Identity").
  serial_number     TEXT,
  hardware_id       TEXT,
  mac               TEXT,
  manufacturer      TEXT,
  model             TEXT,
  firmware_version  TEXT,
  -- 0 for plain-RTSP cameras that cannot prove who they are.
  identity_verified INTEGER NOT NULL DEFAULT 0,
  retention_days    INTEGER CHECK (retention_days IS NULL OR retention_days > 0),
  motion_enabled    INTEGER NOT NULL DEFAULT 1,
  created_at_ms     INTEGER NOT NULL,
  updated_at_ms     INTEGER NOT NULL
);

-- RTSP sources of a camera; `url` may carry credentials and is never returned by the API.
CREATE TABLE streams (
  camera_id TEXT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  role      TEXT NOT NULL CHECK (role IN ('main', 'sub')),
  url       TEXT NOT NULL,
  codec     TEXT,
  width     INTEGER,
  height    INTEGER,
  PRIMARY KEY (camera_id, role)
);

-- One row per finished segment file. `path` is relative to the recording root so
-- files are always found from rows, never from request paths.
CREATE TABLE segments (
  id         INTEGER PRIMARY KEY,
  camera_id  TEXT NOT NULL REFERENCES cameras (id),
  start_ms   INTEGER NOT NULL,
  end_ms     INTEGER NOT NULL CHECK (end_ms >= start_ms),
  bytes      INTEGER NOT NULL CHECK (bytes >= 0),
  path       TEXT NOT NULL UNIQUE,
  -- Set before the file is unlinked, so a crash between unlink and delete is repaired at start.
  deleting   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX segments_by_camera_start ON segments (camera_id, start_ms);
CREATE INDEX segments_by_start ON segments (start_ms);

-- Motion events. `end_ms` is NULL while the event is open; startup closes stale ones.
CREATE TABLE events (
  id             INTEGER PRIMARY KEY,
  camera_id      TEXT NOT NULL REFERENCES cameras (id),
  start_ms       INTEGER NOT NULL,
  end_ms         INTEGER CHECK (end_ms IS NULL OR end_ms >= start_ms),
  score          REAL NOT NULL DEFAULT 0,
  -- JSON {x, y, w, h} in 0..1 frame coordinates.
  region         TEXT,
  thumbnail_path TEXT
);
CREATE INDEX events_by_camera_start ON events (camera_id, start_ms);
CREATE INDEX events_by_start ON events (start_ms);

CREATE TABLE users (
  id                     INTEGER PRIMARY KEY,
  username               TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role                   TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  -- scrypt/argon2id encoded hash; never the password.
  password_hash          TEXT NOT NULL,
  created_at_ms          INTEGER NOT NULL,
  password_changed_at_ms INTEGER NOT NULL
);

-- Which viewer may see which camera, and how much: read at every request (docs/DESIGN.md, "One gate").
CREATE TABLE grants (
  user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  camera_id TEXT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  scope     TEXT NOT NULL CHECK (scope IN ('live', 'recordings', 'export')),
  PRIMARY KEY (user_id, camera_id)
);

-- Sessions are stored by the hash of their token, so a copied database grants no logins.
CREATE TABLE sessions (
  token_hash    TEXT PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL,
  address       TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
