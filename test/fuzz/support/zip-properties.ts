/**
 * checkModuleZip against go: for every generated zip the registry either accepts it or
 * refuses it with an Invalid DomainError (no other error, no hang, bounded memory), and
 * its verdict is go's (x/mod zip.CheckZip, Unzip's reads, cmd/go's go.mod checks,
 * dirhash.HashZip, asked through the oracle), with go's h1: hash when both accept.
 *
 * Intentional differences, not counted as disagreement:
 * - the encryption flags (bits 0 and 6): the registry refuses such an entry; archive/zip
 *   ignores them and reads the bytes as stored, so go accepts one whose bytes are plain.
 * - a disk number other than 0 in the end record: yauzl refuses it, archive/zip ignores it.
 * - a central directory extra field that runs past its record: yauzl refuses the zip;
 *   archive/zip stops reading extra fields there (no tool writes such a field).
 * - the central directory not where the end record says (data in front of the zip):
 *   archive/zip guesses a base offset, the registry refuses rather than guess.
 * - error wording: only verdicts and hashes are compared.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { crc32, createDeflateRaw } from 'node:zlib';
import fc from 'fast-check';
import { DomainError } from '../../../registry/domain/domain-error.js';
import { checkModuleZip } from '../../../registry/upload/module-zip-check.js';
import { zipBytes } from '../../support/zip-writer.js';
import type { Oracle } from './xmod-oracle.js';
import { entriesOf, zipCase, zipOfCase } from './zip-arbitraries.js';

interface GoZip {
  ok: boolean;
  err: string;
  module: string;
  version: string;
  hash: string;
}

const TIMEOUT_MS = 60_000;
/** Memory the check may grow by for any one zip: well under the 500 MiB a bomb inflates to. */
const MAX_GROWTH = 192 * 1024 * 1024;

type Verdict = { ok: true; zipHash: string; modulePath: string; version: string } | { ok: false; message: string };

async function ourVerdict(file: string): Promise<Verdict> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`checkModuleZip did not settle in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    const checked = await Promise.race([checkModuleZip(file), timeout]);
    return { ok: true, zipHash: checked.zipHash, modulePath: checked.modulePath, version: checked.version };
  } catch (err) {
    assert.ok(err instanceof DomainError && err.kind === 'Invalid', `checkModuleZip threw something else than an Invalid DomainError: ${(err as Error)?.stack ?? err}`);
    return { ok: false, message: err.message };
  } finally {
    clearTimeout(timer);
  }
}

const STRICTER = [
  /encrypted entries are not supported|strong encryption is not supported/,
  /not a valid zip file: multi-disk zip files are not supported/,
  /not a valid zip file: extra field length exceeds extra field buffer size/,
  /not a valid zip file: the central directory is not where the end record says/,
];
const intended = (ours: Verdict, go: GoZip) => !ours.ok && go.ok && STRICTER.some((r) => r.test(ours.message));

/** Writes the zip to file, checks it both ways and compares. */
export async function compareZip(oracle: Oracle, file: string, bytes: Buffer): Promise<void> {
  await writeFile(file, bytes);
  // Go reads the file while we do: both only read it.
  const asked = oracle.ask<GoZip>({ op: 'zip', file });
  const before = process.memoryUsage().rss;
  const ours = await ourVerdict(file);
  const grown = process.memoryUsage().rss - before;
  const go = await asked;
  assert.ok(grown < MAX_GROWTH, `checking one zip grew the process by ${grown} bytes`);
  if (intended(ours, go)) return;
  assert.equal(ours.ok, go.ok, `verdicts differ: ours ${ours.ok ? 'accepted' : ours.message}; go ${go.ok ? 'accepted' : go.err}`);
  if (ours.ok) assert.deepEqual([ours.modulePath, ours.version, ours.zipHash], [go.module, go.version, go.hash], 'module, version and h1: hash');
}

interface Bomb {
  size: number;
  body: Buffer;
  crc: number;
}
const bombs = new Map<number, Bomb>();

/** size zero bytes, deflated (a few hundred KiB for 520 MiB): computed once per size. */
async function bomb(size: number): Promise<Bomb> {
  const known = bombs.get(size);
  if (known) return known;
  const zeros = Buffer.alloc(1024 * 1024);
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  let crc = 0;
  for (let left = size; left > 0; left -= zeros.length) {
    const part = zeros.subarray(0, Math.min(left, zeros.length));
    crc = crc32(part, crc);
    if (!deflate.write(part)) await new Promise((r) => deflate.once('drain', r));
  }
  await new Promise((r) => deflate.end(r));
  const made = { size, body: Buffer.concat(chunks), crc };
  bombs.set(size, made);
  return made;
}

const MiB = 1024 * 1024;
/** Zero-filled entries that inflate to up to 520 MiB, declaring their size truly, a little less, or far less. */
const bombCase = fc.record({
  size: fc.constantFrom(MiB + 1, 8 * MiB, 520 * MiB),
  declared: fc.constantFrom('true', 'less', 'tiny', 'zero'),
  extraFiles: fc.nat(2),
});

export async function compareBomb(oracle: Oracle, file: string, c: { size: number; declared: string; extraFiles: number }): Promise<void> {
  const b = await bomb(c.size);
  const declaredSize = { true: b.size, less: b.size - 1, tiny: 100, zero: 0 }[c.declared]!;
  const entries = entriesOf({ module: ['example.com/m', 'v1.0.0'], goMod: '', files: [], strays: [], nonUtf8Name: undefined, centralRename: undefined, archive: {}, truncateAt: undefined, flips: [] });
  for (let i = 0; i <= c.extraFiles; i++) {
    entries.push({ name: `example.com/m@v1.0.0/zeros${i}.bin`, rawBody: b.body, methodCode: 8, crc: b.crc, declaredSize });
  }
  await compareZip(oracle, file, zipBytes(entries));
}

export const zipTargets = (oracle: Oracle, file: string) => ({
  'module zip': fc.asyncProperty(zipCase, (c) => compareZip(oracle, file, zipOfCase(c))),
  'zip bomb': fc.asyncProperty(bombCase, (c) => compareBomb(oracle, file, c)),
});
