-- The web UI: its catalog queries stay bounded (LIMIT) and use an index each, and its sign-in sessions.

-- Recent uploads, newest first.
CREATE INDEX module_versions_created_at_idx ON module_versions (created_at DESC);
-- Search by module-path prefix: a byte-order range (COLLATE "C"), whatever the database's collation.
CREATE INDEX module_versions_module_path_c_idx ON module_versions ((module_path COLLATE "C"));

-- A browser session: only the SHA-256 of its id (the cookie's value) is stored, and the SHA-256 of the
-- token it was opened with (as tokens.token_sha256), so a revoked or re-keyed token ends it.
CREATE TABLE ui_sessions (
  id_sha256    text        PRIMARY KEY,
  token_sha256 text        NOT NULL,
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ui_sessions_expires_at_idx ON ui_sessions (expires_at);
