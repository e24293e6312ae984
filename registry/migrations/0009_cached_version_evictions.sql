-- A public module's version evicted from the pull-through cache is announced like the
-- tables of migration 0003, so every replica and worker drops the complete versions it
-- keeps in memory (registry/service/pull-through-cache.ts) at once, not when they expire.
-- Only removals: a stored version never changes, and a new one is read from its row.
CREATE TRIGGER cached_versions_removed AFTER DELETE ON cached_versions
  FOR EACH ROW EXECUTE FUNCTION go_registry_notify_change();
