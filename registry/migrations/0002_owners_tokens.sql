-- Owners exist only when created (admin API, or the operator through it).
CREATE TABLE owners (
  name        text        PRIMARY KEY,
  visibility  text        NOT NULL CHECK (visibility IN ('public', 'limited', 'private')),
  managed_by  text,       -- opaque id of the controller that owns this record (a custom resource's UID)
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Owners of versions published before owners existed become private owners.
INSERT INTO owners (name, visibility)
SELECT DISTINCT owner, 'private' FROM module_versions
ON CONFLICT DO NOTHING;

ALTER TABLE module_versions
  ADD CONSTRAINT module_versions_owner_fkey FOREIGN KEY (owner) REFERENCES owners (name);

-- Only the SHA-256 of a token is stored; the value is shown once, at creation.
CREATE TABLE tokens (
  owner        text        NOT NULL REFERENCES owners (name) ON DELETE CASCADE,
  name         text        NOT NULL,
  token_sha256 text        NOT NULL UNIQUE,
  scopes       text[]      NOT NULL,
  expires_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  PRIMARY KEY (owner, name)
);
