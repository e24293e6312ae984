/**
 * What the web UI's module, file and diff pages show, through the same services and
 * repositories as the GOPROXY routes (AuthService, the cached version repository), so
 * a page shows exactly what `go` would get. A hidden owner or module is NotFound with
 * the missing one's message. Files come from the zip in place (blob/blob-zip.ts): its
 * central directory and the one file shown, never the whole zip; opened zips are kept
 * by blob (a blob never changes).
 */
import { LRUCache } from 'lru-cache';
import type { BlobStore } from '../blob/blob-store.js';
import { openBlobZip, type OpenedZip, type ZipFileEntry } from '../blob/blob-zip.js';
import { notFound } from '../domain/domain-error.js';
import { retractionOf, summarizeGoMod, synthesizedGoMod, type GoModRequire } from '../domain/go-mod-file.js';
import type { ModuleVersion, VersionSummary } from '../domain/module-version.js';
import type { Owner, Principal } from '../domain/owner.js';
import { latestVersion, sortVersions } from '../domain/version-query.js';
import type { CatalogRepository, VersionDetail } from '../repository/catalog-repository.js';
import type { ModuleVersionRepository } from '../repository/module-version-repository.js';
import { NOT_FOUND_MESSAGE, type AuthService } from './auth-service.js';

/** A file view shows at most this much; larger files are offered in the zip only. */
export const FILE_VIEW_MAX = 512 * 1024;
const README_MAX = 256 * 1024;
const README_NAMES = /^readme(\.(md|markdown|txt))?$/i;

export interface VersionRow extends VersionDetail {
  /** The rationale when the latest go.mod retracts this version ('' when it gives none). */
  retracted: string | undefined;
}

export interface Readme {
  name: string;
  text: string;
  markdown: boolean;
}

export interface ModulePage {
  owner: Owner;
  modulePath: string;
  shown: ModuleVersion;
  /** Every version, newest (semver) first. */
  versions: VersionRow[];
  /** The version `go get …@latest` picks: the highest not retracted. */
  latest: string;
  deprecated: string | undefined;
  goMod: string;
  /** Requirements, each with the owner that hosts it here (and that the principal may read), if any. */
  requires: (GoModRequire & { hostedBy: string | undefined })[];
  files: ZipFileEntry[];
  readme: Readme | undefined;
}

export interface FileView {
  owner: Owner;
  modulePath: string;
  version: string;
  name: string;
  size: number;
  /** The file's text, or undefined when it is over FILE_VIEW_MAX. */
  bytes: Buffer | undefined;
}

export interface DiffPage {
  owner: Owner;
  modulePath: string;
  from: string;
  to: string;
  versions: string[];
  files: { name: string; fromSize: number | undefined; toSize: number | undefined }[];
  goModFrom: string;
  goModTo: string;
}

interface ZipEntryCache {
  zip: Promise<OpenedZip>;
  readme?: Promise<Readme | undefined>;
}

const hidden = () => notFound(NOT_FOUND_MESSAGE);

export class UiModuleService {
  /** Version rows per cached version list: the same array until a write replaces it. */
  private readonly details = new WeakMap<readonly VersionSummary[], Promise<VersionDetail[]>>();
  private readonly zips = new LRUCache<string, ZipEntryCache>({ max: 64 });

  constructor(
    private readonly auth: AuthService,
    private readonly repo: ModuleVersionRepository,
    private readonly catalog: CatalogRepository,
    private readonly blobs: BlobStore,
  ) {}

  async module(principal: Principal, ownerName: string, modulePath: string, version: string | undefined): Promise<ModulePage> {
    const owner = await this.auth.readableOwner(principal, ownerName);
    const list = await this.repo.listVersions(owner.name, modulePath);
    if (list.length === 0) throw hidden();
    const newest = await this.version(owner.name, modulePath, latestVersion(list.map((v) => v.version))!);
    const newestMod = summarizeGoMod(this.goModOf(newest));
    const details = await this.versionDetails(owner.name, modulePath, list);
    const byVersion = new Map(details.map((d) => [d.version, d]));
    const versions = sortVersions(details.map((d) => d.version)).reverse()
      .map((v) => ({ ...byVersion.get(v)!, retracted: retractionOf(v, newestMod.retracts)?.rationale }));
    const latest = latestVersion(versions.filter((v) => v.retracted === undefined).map((v) => v.version)) ?? newest.version;
    const shown = version === undefined ? await this.version(owner.name, modulePath, latest) : await this.version(owner.name, modulePath, version);
    const goMod = this.goModOf(shown);
    const { requires } = summarizeGoMod(goMod);
    const readable = (await this.auth.readableOwners(principal)).map((o) => o.name);
    const hosted = await this.catalog.findHostedModules(readable, requires.map((r) => r.path));
    const cached = this.zipOf(shown);
    return {
      owner, modulePath, shown, versions, latest, deprecated: newestMod.deprecated, goMod,
      requires: requires.map((r) => ({ ...r, hostedBy: hosted.get(r.path) })),
      files: (await cached.zip).entries,
      readme: await (cached.readme ??= this.findReadme(cached.zip)),
    };
  }

  async file(principal: Principal, ownerName: string, modulePath: string, version: string, name: string): Promise<FileView> {
    const owner = await this.auth.readableOwner(principal, ownerName);
    const v = await this.version(owner.name, modulePath, version);
    const zip = await this.zipOf(v).zip;
    const entry = zip.entries.find((e) => e.name === name);
    if (!entry) throw notFound(NOT_FOUND_MESSAGE);
    const read = await zip.readFile(name, FILE_VIEW_MAX);
    const bytes = read && 'bytes' in read ? read.bytes : undefined;
    return { owner, modulePath, version: v.version, name, size: entry.size, bytes };
  }

  async diff(principal: Principal, ownerName: string, modulePath: string, from: string, to: string): Promise<DiffPage> {
    const owner = await this.auth.readableOwner(principal, ownerName);
    const [a, b] = [await this.version(owner.name, modulePath, from), await this.version(owner.name, modulePath, to)];
    const [za, zb] = [await this.zipOf(a).zip, await this.zipOf(b).zip];
    const sizes = (z: OpenedZip) => new Map(z.entries.map((e) => [e.name, e.size]));
    const [sa, sb] = [sizes(za), sizes(zb)];
    const names = [...new Set([...sa.keys(), ...sb.keys()])].sort();
    const files = names.map((name) => ({ name, fromSize: sa.get(name), toSize: sb.get(name) }));
    const versions = sortVersions((await this.repo.listVersions(owner.name, modulePath)).map((v) => v.version)).reverse();
    return { owner, modulePath, from: a.version, to: b.version, versions, files, goModFrom: this.goModOf(a), goModTo: this.goModOf(b) };
  }

  /** The version and its owner's visibility, for the zip download. */
  async zip(principal: Principal, ownerName: string, modulePath: string, version: string): Promise<{ owner: Owner; version: ModuleVersion }> {
    const owner = await this.auth.readableOwner(principal, ownerName);
    return { owner, version: await this.version(owner.name, modulePath, version) };
  }

  private async version(owner: string, modulePath: string, version: string): Promise<ModuleVersion> {
    const found = await this.repo.findVersion(owner, modulePath, version);
    if (!found) throw hidden();
    return found;
  }

  private goModOf(v: ModuleVersion): string {
    return (v.goMod ?? synthesizedGoMod(v.modulePath)).toString('utf8');
  }

  private versionDetails(owner: string, modulePath: string, list: readonly VersionSummary[]): Promise<VersionDetail[]> {
    let found = this.details.get(list);
    if (!found) {
      found = this.catalog.listVersionDetails(owner, modulePath);
      this.details.set(list, found);
      found.catch(() => this.details.delete(list));
    }
    return found;
  }

  private zipOf(v: ModuleVersion): ZipEntryCache {
    let cached = this.zips.get(v.blobSha256);
    if (!cached) {
      cached = { zip: openBlobZip(this.blobs, v.blobSha256, v.zipSize) };
      this.zips.set(v.blobSha256, cached);
      cached.zip.catch(() => this.zips.delete(v.blobSha256));
    }
    return cached;
  }

  private async findReadme(zip: Promise<OpenedZip>): Promise<Readme | undefined> {
    const z = await zip;
    const entry = z.entries.find((e) => !e.name.includes('/') && README_NAMES.test(e.name) && /\.(md|markdown)$/i.test(e.name))
      ?? z.entries.find((e) => !e.name.includes('/') && README_NAMES.test(e.name));
    if (!entry || entry.size > README_MAX) return undefined;
    const read = await z.readFile(entry.name, README_MAX);
    if (!read || !('bytes' in read)) return undefined;
    return { name: entry.name, text: read.bytes.toString('utf8'), markdown: /\.(md|markdown)$/i.test(entry.name) };
  }
}
