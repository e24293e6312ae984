/**
 * A GOSUMDB value as the go command reads it: `name`, or `name+hash+key`, optionally
 * followed by the database's URL. A bare name is only known for Go's public database,
 * whose key the go command carries; without a URL the database is `https://<name>`.
 */
import { newVerifier } from './note.js';

export interface ChecksumDatabaseSpec {
  name: string;
  /** The verifier key, name+hash+base64 key. */
  vkey: string;
  /** Where it is served, when given; else through the upstream proxy or at https://<name>. */
  url: string | undefined;
}

const KNOWN: Record<string, string> = {
  'sum.golang.org': 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8',
};

/** The database GOSUMDB names; throws with a message for a value the go command would refuse. */
export function parseGosumdb(value: string): ChecksumDatabaseSpec {
  const [key, url, ...rest] = value.trim().split(/\s+/);
  if (!key || rest.length > 0) throw new Error(`want "name", "name+hash+key" or either followed by a URL, not ${JSON.stringify(value)}`);
  const vkey = key.includes('+') ? key : KNOWN[key];
  if (!vkey) throw new Error(`${key}: the key of this checksum database is not known here; give it as name+hash+key`);
  const verifier = newVerifier(vkey); // throws for a malformed key
  if (url !== undefined) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`${url}: only http and https`);
  }
  return { name: verifier.name, vkey, url: url?.replace(/\/+$/, '') };
}
