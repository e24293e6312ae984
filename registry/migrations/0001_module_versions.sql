-- One row per published module version. The blob is the uploaded zip, stored by the
-- SHA-256 of its bytes, so identical zips share one file.
CREATE TABLE module_versions (
  id            bigserial PRIMARY KEY,
  owner         text        NOT NULL,
  module_path   text        NOT NULL,
  version       text        NOT NULL,
  blob_sha256   text        NOT NULL,
  zip_size      bigint      NOT NULL,
  zip_hash      text        NOT NULL, -- h1: of the zip, as go.sum records it
  go_mod        bytea,                -- NULL: the zip has none, serve "module <path>"
  go_mod_hash   text        NOT NULL, -- h1: of the served go.mod
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- The 409 comes from this constraint, never from a check-then-insert.
  CONSTRAINT module_versions_owner_module_version_key UNIQUE (owner, module_path, version)
);

CREATE INDEX module_versions_blob_sha256_idx ON module_versions (blob_sha256);
