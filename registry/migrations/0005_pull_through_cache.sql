-- The pull-through cache of public modules. A version's .info and .mod are stored when
-- first asked for (the go.mod verified against the checksum database); its zip when
-- first asked for, verified, in the same content-addressed blob store as uploads.
CREATE TABLE cached_versions (
  module_path  text        NOT NULL,
  version      text        NOT NULL,
  info         bytea       NOT NULL, -- the upstream's .info answer, its Version checked
  go_mod       bytea       NOT NULL,
  go_mod_hash  text        NOT NULL, -- h1: as go.sum records it
  blob_sha256  text,                 -- NULL until the zip was fetched
  zip_size     bigint,
  zip_hash     text,
  verified     boolean     NOT NULL, -- false only for paths exempt from the checksum database (UPSTREAM_NOSUMDB, UPSTREAM_SUMDB=off)
  fetched_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (module_path, version)
);
CREATE INDEX cached_versions_blob_sha256_idx ON cached_versions (blob_sha256);

-- @v/list and @latest answers, fresh for a TTL, served stale when the upstream fails.
CREATE TABLE cached_answers (
  module_path text        NOT NULL,
  kind        text        NOT NULL CHECK (kind IN ('list', 'latest')),
  body        bytea       NOT NULL,
  fetched_at  timestamptz NOT NULL,
  PRIMARY KEY (module_path, kind)
);

-- One upstream fetch per file across replicas and workers: the holder of a live lease fetches,
-- everyone else waits for its result (or for the lease to lapse, if the holder died).
CREATE TABLE cache_fetches (
  key        text        PRIMARY KEY,
  holder     text        NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Answers of the upstream checksum database proxied at /sumdb/<name>/: full tiles never
-- change and are kept; the latest signed tree and partial tiles are kept for a TTL.
CREATE TABLE cached_sumdb (
  path       text        PRIMARY KEY,
  body       bytea       NOT NULL,
  fetched_at timestamptz NOT NULL
);
