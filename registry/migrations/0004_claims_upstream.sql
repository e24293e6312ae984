-- Module-path claims (prefixes only this owner may publish under, never fetched from an
-- upstream) and whether the owner's endpoint falls through to the pull-through cache.
-- Claims are few and read with their owner: an array column, checked for overlaps by
-- the registry under the claims lock (an overlap is not something a unique index can say).
ALTER TABLE owners ADD COLUMN claims text[] NOT NULL DEFAULT '{}';
ALTER TABLE owners ADD COLUMN upstream boolean NOT NULL DEFAULT false;
