/** Blob reference counting shared by every transaction that removes versions. */
import type { SqlClient } from './sql-database.js';

/** Serialises publish and delete of the same blob across replicas until commit. */
export async function lockBlob(client: SqlClient, blobSha256: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [blobSha256]);
}

export async function countBlobReferences(client: SqlClient, blobSha256: string): Promise<number> {
  const rows = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM module_versions WHERE blob_sha256 = $1', [blobSha256]);
  return rows[0]?.n ?? 0;
}
