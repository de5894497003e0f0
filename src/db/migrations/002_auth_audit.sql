-- 002: what the LAN server needs beyond 001 (src/http/API.md). Times are ms since epoch, UTC.

-- Who did what to which camera, for "who looked at the nursery camera last night".
-- `username` is copied, not joined, so the trail survives deleting the user.
-- Pruned by age (see src/auth/audit.ts); never read for authorization.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at_ms     INTEGER NOT NULL,
  user_id   INTEGER,
  username  TEXT,
  -- login | login_failed | login_throttled | logout | setup | password_changed
  -- | live | recordings | export | user_added | user_deleted | grant_set | grant_revoked
  action    TEXT NOT NULL,
  camera_id TEXT,
  -- ok | denied | failed
  outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
  address   TEXT,
  -- The route or change, e.g. "GET /api/segments/12" or "scope=live".
  detail    TEXT
);
CREATE INDEX audit_by_time ON audit_log (at_ms);
CREATE INDEX audit_by_user_time ON audit_log (username, at_ms);
CREATE INDEX audit_by_camera_time ON audit_log (camera_id, at_ms);

-- Wrong passwords, for login rate limiting per address and per account. Kept in SQLite
-- rather than memory so a restart does not hand an attacker a fresh budget; rows older
-- than the window are pruned on each login.
CREATE TABLE login_failures (
  id       INTEGER PRIMARY KEY,
  at_ms    INTEGER NOT NULL,
  address  TEXT NOT NULL,
  -- Lower-cased as typed (the account may not exist: unknown names are throttled too).
  username TEXT NOT NULL
);
CREATE INDEX login_failures_by_address ON login_failures (address, at_ms);
CREATE INDEX login_failures_by_username ON login_failures (username, at_ms);
