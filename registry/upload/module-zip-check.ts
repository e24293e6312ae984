/**
 * Validates a module zip on disk the way the go command will when it downloads it
 * (golang.org/x/mod/zip checkZip + Unzip, cmd/go's go.mod checks), and computes Go's
 * h1: hashes on the same single pass over the entries.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path/posix';
import { crc32 } from 'node:zlib';
import { invalid } from '../domain/domain-error.js';
import { hash1 } from '../domain/dirhash.js';
import { modulePathOfGoMod, synthesizedGoMod } from '../domain/go-mod-file.js';
import { checkFilePath, checkModuleVersion } from '../domain/module-path.js';
import { buildOf } from '../domain/go-semver.js';
import { goFoldCase } from '../domain/unicode-rules.js';
import { openZipArchive, type ZipArchive, type ZipEntry } from './zip-archive.js';

export const MAX_ZIP_FILE = 500 * 1024 * 1024;
export const MAX_GO_MOD = 16 * 1024 * 1024;
export const MAX_LICENSE = 16 * 1024 * 1024;
const MAX_REPORTED_PROBLEMS = 10;

export interface CheckedModuleZip {
  modulePath: string;
  version: string;
  /** The root go.mod as stored in the zip, or undefined when the module has none. */
  goMod: Buffer | undefined;
  /** h1: hash of the zip as go.sum records it. */
  zipHash: string;
  /** h1: hash of the go.mod the proxy serves (synthesized when absent). */
  goModHash: string;
  fileCount: number;
}

export async function checkModuleZip(file: string): Promise<CheckedModuleZip> {
  const { size } = await stat(file);
  if (size > MAX_ZIP_FILE) {
    throw invalid(`module zip file is too large (${size} bytes; limit is ${MAX_ZIP_FILE} bytes)`);
  }
  let zip: ZipArchive;
  try {
    zip = await openZipArchive(file);
  } catch (err) {
    throw invalid(`not a valid zip file: ${(err as Error).message}`);
  }
  try {
    const { modulePath, version, prefix } = moduleOfEntries(zip.entries);
    checkEntries(zip.entries, prefix);
    const contents = await readEntries(zip, prefix);
    const goMod = contents.goMod;
    checkGoMod(modulePath, version, goMod);
    const zipHash = hash1(contents.fileHashes);
    const goModHash = hash1(new Map([['go.mod', sha256Hex(goMod ?? synthesizedGoMod(modulePath))]]));
    return { modulePath, version, goMod, zipHash, goModHash, fileCount: zip.entries.length };
  } finally {
    await zip.close();
  }
}

/** Module path and version from the `{module}@{version}/` prefix the entries share. */
function moduleOfEntries(entries: ZipEntry[]) {
  if (entries.length === 0) throw invalid('zip file has no entries: a module zip holds {module}@{version}/ files');
  // The first entry that looks like one, so that stray entries are reported by name below.
  const sample = entries.find((e) => /^[^@]+@[^/]+\//.test(e.name));
  if (!sample) {
    throw invalid(`${entries[0]!.name}: zip entries must start with {module}@{version}/ (e.g. example.com/m@v1.0.0/go.mod)`);
  }
  const at = sample.name.indexOf('@');
  const slash = sample.name.indexOf('/', at);
  const modulePath = sample.name.slice(0, at);
  const version = sample.name.slice(at + 1, slash);
  const problem = checkModuleVersion(modulePath, version);
  if (problem) throw invalid(problem);
  return { modulePath, version, prefix: sample.name.slice(0, slash + 1) };
}

/** The per-entry name and size rules of x/mod's checkZip, reporting every offender. */
function checkEntries(entries: ZipEntry[], prefix: string) {
  const problems: string[] = [];
  const seen = new Map<string, { path: string; isDir: boolean }>();
  let total = 0;
  for (const entry of entries) {
    const problem = checkEntry(entry, prefix, seen);
    if (problem) {
      problems.push(`${entry.name}: ${problem}`);
      continue;
    }
    if (!entry.name.endsWith('/')) total += entry.size;
  }
  if (total > MAX_ZIP_FILE) {
    problems.push(`total uncompressed size of module contents too large (max size is ${MAX_ZIP_FILE} bytes)`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more`);
    throw invalid(`invalid module zip:\n${shown.join('\n')}`);
  }
}

function checkEntry(entry: ZipEntry, prefix: string, seen: Map<string, { path: string; isDir: boolean }>) {
  if (!entry.name.startsWith(prefix)) {
    const aboveRoot = entry.name.endsWith('/') && prefix.startsWith(entry.name);
    // `zip -r` adds such directory entries; the go command refuses them too.
    const hint = aboveRoot ? ' (a directory entry above the module root: create the zip with `zip -r -D`)' : '';
    return `path does not have prefix "${prefix}"${hint}`;
  }
  if ((entry.flags & 0x1) !== 0) return 'encrypted entries are not supported';
  // go never decompresses a directory entry, so its method does not matter.
  if (!entry.isDirectory && entry.method !== 0 && entry.method !== 8) return `unsupported compression method ${entry.method} (use store or deflate)`;
  let name = entry.name.slice(prefix.length);
  if (name === '') return undefined;
  const isDir = name.endsWith('/');
  if (isDir) name = name.slice(0, -1);
  if (path.normalize(name) !== name) return 'file path is not clean';
  const badPath = checkFilePath(name);
  if (badPath) return badPath;
  const collision = checkCollision(seen, name, isDir);
  if (collision) return collision;
  if (isDir) return undefined;
  const base = path.basename(name);
  if (base.toLowerCase() === 'go.mod') {
    if (base !== name) return 'go.mod file not in module root directory';
    if (name !== 'go.mod') return 'go.mod files must have lowercase names';
  }
  if (name === 'go.mod' && entry.size > MAX_GO_MOD) return `go.mod file too large (max size is ${MAX_GO_MOD} bytes)`;
  if (name === 'LICENSE' && entry.size > MAX_LICENSE) return `LICENSE file too large (max size is ${MAX_LICENSE} bytes)`;
  return undefined;
}

/** x/mod's collisionChecker: case-folded names, file-vs-directory clashes, duplicates. */
function checkCollision(seen: Map<string, { path: string; isDir: boolean }>, p: string, isDir: boolean): string | undefined {
  const fold = goFoldCase(p);
  const other = seen.get(fold);
  if (other) {
    if (p !== other.path) return `case-insensitive file name collision: "${other.path}" and "${p}"`;
    if (isDir !== other.isDir) return `entry "${p}" is both a file and a directory`;
    if (!isDir) return `multiple entries for file "${p}"`;
  } else {
    seen.set(fold, { path: p, isDir });
  }
  const parent = path.dirname(p);
  return parent === '.' ? undefined : checkCollision(seen, parent, true);
}

interface EntryContents {
  /** (name, SHA-256) of every entry, a repeated directory name repeated, as dirhash.HashZip lists them. */
  fileHashes: [string, string][];
  goMod: Buffer | undefined;
}

/**
 * Streams every entry once: SHA-256 for h1, CRC-32 and declared size as archive/zip
 * checks them. go opens each name's last entry only (HashZip keeps a map by name), so an
 * earlier entry of a repeated name (only directories may repeat) is never read.
 */
async function readEntries(zip: ZipArchive, prefix: string): Promise<EntryContents> {
  const last = new Map(zip.entries.map((e) => [e.name, e]));
  const hashes = new Map<string, string>();
  let goMod: Buffer | undefined;
  for (const entry of last.values()) {
    const keep = entry.name === `${prefix}go.mod`;
    const { sha256, data } = await readEntry(zip, entry, keep);
    hashes.set(entry.name, sha256);
    if (keep) goMod = data;
  }
  return { fileHashes: zip.entries.map((e) => [e.name, hashes.get(e.name)!]), goMod };
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

async function readEntry(zip: ZipArchive, entry: ZipEntry, keep: boolean) {
  if (entry.isDirectory) {
    // Directory entries take part in Go's h1: hash as empty files; go opens them too, which reads their local header.
    if (entry.size !== 0) throw invalid(`${entry.name}: a directory entry must not have contents`);
    await corruptIfThrows(entry, () => zip.dataStart(entry));
    return { sha256: EMPTY_SHA256, data: undefined };
  }
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  let crc = 0;
  await corruptIfThrows(entry, async () => {
    const stream = await zip.stream(entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > entry.size) {
        stream.destroy();
        throw new Error(`uncompressed size is larger than declared size (${entry.size} bytes)`);
      }
      hash.update(chunk);
      crc = crc32(chunk, crc);
      if (keep) chunks.push(chunk);
    }
  });
  if (size !== entry.size) {
    throw invalid(`${entry.name}: corrupt zip entry: uncompressed size ${size} does not match declared size ${entry.size}`);
  }
  await checkCrc(zip, entry, crc >>> 0);
  return { sha256: hash.digest('hex'), data: keep ? Buffer.concat(chunks) : undefined };
}

async function corruptIfThrows<T>(entry: ZipEntry, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw invalid(`${entry.name}: corrupt zip entry: ${(err as Error).message}`);
  }
}

/**
 * archive/zip's CRC rules: with a data descriptor (flag bit 3) its CRC must be the
 * central directory's, and the data's; without one the data's CRC is compared only when
 * the header records one (non-zero).
 */
async function checkCrc(zip: ZipArchive, entry: ZipEntry, crc: number): Promise<void> {
  const declared = entry.crc >>> 0;
  if ((entry.flags & 0x8) !== 0) {
    const inDescriptor = await corruptIfThrows(entry, () => zip.descriptorCrc(entry));
    if (inDescriptor >>> 0 !== declared) throw invalid(`${entry.name}: corrupt zip entry: the data descriptor's CRC-32 differs from the central directory's`);
    if (crc !== declared) throw invalid(`${entry.name}: corrupt zip entry: CRC-32 checksum mismatch`);
    return;
  }
  if (declared !== 0 && crc !== declared) throw invalid(`${entry.name}: corrupt zip entry: CRC-32 checksum mismatch`);
}

function checkGoMod(modulePath: string, version: string, goMod: Buffer | undefined) {
  if (goMod === undefined) return;
  if (buildOf(version) === '+incompatible') {
    throw invalid(`go.mod: version ${version} is +incompatible, which is only allowed for a module without a go.mod file`);
  }
  const declared = modulePathOfGoMod(goMod);
  if (declared === '') throw invalid('go.mod: no module directive (want "module ' + modulePath + '")');
  if (declared !== modulePath) {
    throw invalid(`go.mod: module directive says "${declared}", but the zip is for module "${modulePath}"`);
  }
}

const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');
