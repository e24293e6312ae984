/**
 * The advisory lock between backups and file removals, next to the claims lock (7_424_200_002).
 * A backup holds it exclusively, in a session of its own, from before its database dump until
 * its copy of the blob files is complete; every removal of a blob file first takes it shared,
 * without waiting, for the rest of its transaction, and leaves the file to a later sweep when
 * it cannot. A backup that dies lets go of it with its session.
 */
export const BACKUP_LOCK_KEY = 7_424_200_003;

export const MAY_REMOVE_FILES_SQL = `SELECT pg_try_advisory_xact_lock_shared(${BACKUP_LOCK_KEY}) AS ok`;
