/**
 * The blob lock and reference count shared by everything that places or removes blob
 * files: uploaded versions and the pull-through cache's versions reference blobs alike.
 */
export const BLOB_LOCK_SQL = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';

export const BLOB_REFERENCES_SQL = `SELECT (SELECT count(*) FROM module_versions WHERE blob_sha256 = $1)
  + (SELECT count(*) FROM cached_versions WHERE blob_sha256 = $1) AS n`;

export const REFERENCED_BLOBS_SQL = `SELECT blob_sha256 FROM module_versions WHERE blob_sha256 = ANY($1::text[])
  UNION SELECT blob_sha256 FROM cached_versions WHERE blob_sha256 = ANY($1::text[])`;
