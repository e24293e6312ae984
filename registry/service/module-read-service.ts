/**
 * The GOPROXY read side: answers list, info, mod, zip and latest from the
 * repository and blob store. Unknown owner, module or version is NotFound, so the
 * go command falls through to its next candidate.
 */
import type { BlobReader, BlobStore, ByteRange } from '../blob/blob-store.js';
import { notFound } from '../domain/domain-error.js';
import { synthesizedGoMod } from '../domain/go-mod-file.js';
import type { ModuleVersion, VersionSummary } from '../domain/module-version.js';
import { latestVersion, listedVersions } from '../domain/version-query.js';
import { UNKNOWN, type Known } from '../repository/known.js';
import type { ModuleVersionRepository } from '../repository/module-version-repository.js';

/**
 * Zips up to this size are read with one call and sent as one buffer: most module zips
 * are small, and per-chunk work dominated their downloads in bench/. The bound is also
 * the memory one slow download can hold (larger ones hold two 256 KiB chunks).
 */
const IN_MEMORY_ZIP_MAX = 1024 * 1024;

export interface VersionInfo {
  Version: string;
  Time: string;
}

/** `@v/list` texts per version list: a cached list is the same array until a write replaces it. */
const listTexts = new WeakMap<readonly VersionSummary[], string>();

function listText(modulePath: string, versions: readonly VersionSummary[]): string {
  if (versions.length === 0) throw notFound(`module ${modulePath} not found`);
  let text = listTexts.get(versions);
  if (text === undefined) listTexts.set(versions, (text = listedVersions(versions.map((v) => v.version)).map((v) => v + '\n').join('')));
  return text;
}

export class ModuleReadService {
  /**
   * `@latest` answers per version list: a cached list is the same array until a write
   * replaces it, so the choice happens once per change and the answer object (and its
   * JSON, http/json-response.ts) is reused.
   */
  private readonly latests = new WeakMap<readonly VersionSummary[], VersionInfo>();
  /** `.info` answers per version: a cached version is the same object until a write replaces it. */
  private readonly infos = new WeakMap<ModuleVersion, VersionInfo>();

  constructor(
    private readonly repo: ModuleVersionRepository,
    private readonly blobs: BlobStore,
  ) {}

  /** The `@v/list` answer: one listed version per line. */
  async list(owner: string, modulePath: string): Promise<string> {
    return listText(modulePath, await this.repo.listVersions(owner, modulePath));
  }

  async latest(owner: string, modulePath: string): Promise<VersionInfo> {
    return this.latestOf(modulePath, await this.repo.listVersions(owner, modulePath));
  }

  async find(owner: string, modulePath: string, version: string): Promise<ModuleVersion> {
    const found = await this.repo.findVersion(owner, modulePath, version);
    if (!found) throw notFound(`${modulePath}@${version} not found`);
    return found;
  }

  /** list's, latest's and find's answers when the read cache holds them, else UNKNOWN (a miss is never held). */
  knownList(owner: string, modulePath: string): Known<string> {
    const versions = this.repo.knownVersionList?.(owner, modulePath) ?? UNKNOWN;
    return versions === UNKNOWN ? UNKNOWN : listText(modulePath, versions);
  }

  knownLatest(owner: string, modulePath: string): Known<VersionInfo> {
    const versions = this.repo.knownVersionList?.(owner, modulePath) ?? UNKNOWN;
    return versions === UNKNOWN ? UNKNOWN : this.latestOf(modulePath, versions);
  }

  knownFind(owner: string, modulePath: string, version: string): Known<ModuleVersion> {
    return this.repo.knownVersion?.(owner, modulePath, version) ?? UNKNOWN;
  }

  private latestOf(modulePath: string, versions: readonly VersionSummary[]): VersionInfo {
    const known = this.latests.get(versions);
    if (known) return known;
    const latest = latestVersion(versions.map((v) => v.version));
    const found = versions.find((v) => v.version === latest);
    if (!found) throw notFound(`module ${modulePath} not found`);
    const answer = { Version: found.version, Time: found.createdAt.toISOString() };
    this.latests.set(versions, answer);
    return answer;
  }

  /** The same object for the same version, so callers may keep what they derive from it. */
  info(v: ModuleVersion): VersionInfo {
    let info = this.infos.get(v);
    if (!info) this.infos.set(v, (info = { Version: v.version, Time: v.createdAt.toISOString() }));
    return info;
  }

  goMod(v: ModuleVersion): Buffer {
    return v.goMod ?? synthesizedGoMod(v.modulePath);
  }

  /**
   * Where the client may fetch the zip itself (S3_REDIRECT: a presigned URL), or undefined:
   * the registry sends it. Asked only once the reader has been allowed to see the version.
   */
  zipUrl(v: ModuleVersion): Promise<string | undefined> {
    const name = `${v.modulePath.split('/').pop()}@${v.version}.zip`;
    return this.blobs.downloadUrl?.(v.blobSha256, name) ?? Promise.resolve(undefined);
  }

  /** The zip's bytes in `range`: in memory when small, else the opened blob to read them from (the caller closes it). */
  zipBody(v: ModuleVersion, range: ByteRange): Promise<Buffer | BlobReader> {
    const size = range.end - range.start + 1;
    if (size <= IN_MEMORY_ZIP_MAX) return this.blobs.read(v.blobSha256, range);
    return this.blobs.openReader(v.blobSha256, range.start);
  }
}
