-- Registry processes cache owners, tokens and module versions in memory. Every change
-- to them is announced on commit on the channel go_registry_changes, so every replica
-- and worker drops what it holds (registry/repository/change-listener.ts). A trigger
-- covers every writer, cascades included. Recording a token's last use is not a change.
CREATE FUNCTION go_registry_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
  PERFORM pg_notify('go_registry_changes', json_build_object(
    'table', TG_TABLE_NAME,
    'owner', coalesce(r ->> 'owner', r ->> 'name'),
    'modulePath', r ->> 'module_path')::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER owners_changed AFTER INSERT OR UPDATE OR DELETE ON owners
  FOR EACH ROW EXECUTE FUNCTION go_registry_notify_change();
CREATE TRIGGER tokens_changed AFTER INSERT OR DELETE OR UPDATE OF owner, name, token_sha256, scopes, expires_at ON tokens
  FOR EACH ROW EXECUTE FUNCTION go_registry_notify_change();
CREATE TRIGGER module_versions_changed AFTER INSERT OR UPDATE OR DELETE ON module_versions
  FOR EACH ROW EXECUTE FUNCTION go_registry_notify_change();
