-- Grants give workload identities (a Kubernetes ServiceAccount, a CI job's OIDC token)
-- scopes on one owner (registry/domain/identity.ts). `subject` is the GrantSubject as
-- JSON. Every change is announced like the other tables the read cache holds, so a
-- revoked grant stops working on every replica at its next request.
CREATE TABLE access_grants (
  owner      text        NOT NULL REFERENCES owners (name) ON DELETE CASCADE,
  name       text        NOT NULL,
  subject    jsonb       NOT NULL,
  scopes     text[]      NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, name)
);

CREATE TRIGGER access_grants_changed AFTER INSERT OR UPDATE OR DELETE ON access_grants
  FOR EACH ROW EXECUTE FUNCTION go_registry_notify_change();
