-- The registry's own checksum database: a transparency log in Go's format
-- (golang.org/x/mod/sumdb/tlog). Records are appended, never changed or removed, one
-- writer at a time (an advisory lock taken in the transaction that records the version).
CREATE TABLE sumdb_records (
  id          bigint      PRIMARY KEY,            -- 0, 1, 2, … without gaps
  module_path text        NOT NULL,
  version     text        NOT NULL,
  zip_hash    text        NOT NULL,
  go_mod_hash text        NOT NULL,
  owner       text,                               -- the hosting owner (lookups masked as its reads are); NULL for a public module the cache verified
  text        bytea       NOT NULL,               -- the two go.sum lines, as hashed into the log
  logged_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (module_path, version)
);

-- The log's stored hashes (tlog.StoredHashIndex order).
CREATE TABLE sumdb_hashes (
  idx  bigint PRIMARY KEY,
  hash bytea  NOT NULL
);

-- Every tree head the registry signed; the newest one is what /latest and lookups serve.
CREATE TABLE sumdb_heads (
  size      bigint      PRIMARY KEY,
  root      bytea       NOT NULL,
  note      bytea       NOT NULL,
  signed_at timestamptz NOT NULL DEFAULT now()
);
