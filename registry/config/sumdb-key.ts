/**
 * The checksum database's signing key: SUMDB_SIGNING_KEY, SUMDB_SIGNING_KEY_FILE, or one
 * generated at first start (named SUMDB_NAME) and kept in DATA_DIR with mode 0600. The
 * key is in note.GenerateKey's form (PRIVATE+KEY+name+hash+key). Callers log where it
 * is and the verifier key, never the signing key.
 */
import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKey, newSigner, verifierKeyOf, type Signer } from '../domain/sumdb/note.js';
import { ConfigError } from './config.js';

export interface SumdbKey {
  signer: Signer;
  verifierKey: string;
  /** Where it was read from or written to; undefined when it came from the environment. */
  file: string | undefined;
  generated: boolean;
}

export async function resolveSumdbKey(options: { key: string | undefined; keyFile: string | undefined; name: string; dataDir: string }): Promise<SumdbKey> {
  if (options.key) return parsed(options.key.trim(), undefined, false, options.name, 'SUMDB_SIGNING_KEY');
  if (options.keyFile) return parsed((await readFile(options.keyFile, 'utf8')).trim(), options.keyFile, false, options.name, 'SUMDB_SIGNING_KEY_FILE');
  const file = path.join(options.dataDir, 'sumdb-signing-key');
  try {
    return parsed((await readFile(file, 'utf8')).trim(), file, false, options.name, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(options.dataDir, { recursive: true });
  // Written whole under a name of this process's, then linked into place: of several processes
  // starting at once (workers, replicas on one volume) one key wins, and no process can read a
  // file another has created but not yet written (with `wx` on the file itself one could, and
  // refused to start on an empty key).
  const own = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(own, generateKey(options.name).skey + '\n', { mode: 0o600 });
  try {
    await chmod(own, 0o600);
    await link(own, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(own).catch(() => {});
  }
  return { ...parsed((await readFile(file, 'utf8')).trim(), file, true, options.name, file) };
}

function parsed(skey: string, file: string | undefined, generated: boolean, name: string, source: string): SumdbKey {
  let signer: Signer;
  let verifierKey: string;
  try {
    signer = newSigner(skey);
    verifierKey = verifierKeyOf(skey);
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  ${source}: not a checksum database signing key (PRIVATE+KEY+name+hash+key): ${(err as Error).message}`);
  }
  if (signer.name !== name) {
    throw new ConfigError(`invalid configuration:\n  ${source}: the key is for the database ${JSON.stringify(signer.name)}, but SUMDB_NAME is ${JSON.stringify(name)}`);
  }
  return { signer, verifierKey, file, generated };
}
