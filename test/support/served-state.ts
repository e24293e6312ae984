/**
 * What a registry serves, checked over HTTP as the go command reads it: every version
 * expected present is listed and its .info, .mod and .zip download with the bytes that
 * were published; every version expected absent is neither listed nor downloadable.
 * The crash, database-fault, disk-full and soak tests end with this.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { escapeCase } from '../../registry/domain/case-encoding.js';
import { isPseudoVersion } from '../../registry/domain/go-semver.js';

export interface PublishedVersion {
  owner: string;
  modulePath: string;
  version: string;
  /** SHA-256 (hex) of the zip that was uploaded. */
  zipSha256: string;
}

export const sha256 = (data: Buffer | Uint8Array) => createHash('sha256').update(data).digest('hex');

const base = (url: string, owner: string, modulePath: string) => `${url}/api/packages/${owner}/go/${escapeCase(modulePath)}`;

export async function listedVersions(url: string, owner: string, modulePath: string, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await fetch(`${base(url, owner, modulePath)}/@v/list`, { headers });
  const text = await res.text();
  if (res.status === 404) return [];
  assert.equal(res.status, 200, `list ${owner}/${modulePath}: ${res.status} ${text}`);
  return text.split('\n').filter(Boolean);
}

/** Asserts the registry at url serves exactly what `present` and `absent` say (pseudo-versions are never listed, as go lists them). */
export async function checkServed(
  url: string,
  expected: { present: PublishedVersion[]; absent?: PublishedVersion[] },
  headers: Record<string, string> = {},
): Promise<void> {
  for (const v of expected.present) {
    const where = `${v.owner}/${v.modulePath}@${v.version}`;
    const listed = (await listedVersions(url, v.owner, v.modulePath, headers)).includes(v.version);
    assert.equal(listed, !isPseudoVersion(v.version), `${where} is ${isPseudoVersion(v.version) ? 'not ' : ''}listed`);
    for (const ext of ['info', 'mod']) {
      const res = await fetch(`${base(url, v.owner, v.modulePath)}/@v/${escapeCase(v.version)}.${ext}`, { headers });
      assert.equal(res.status, 200, `${where}.${ext}: ${res.status} ${await res.clone().text()}`);
      await res.arrayBuffer();
    }
    const zip = await fetch(`${base(url, v.owner, v.modulePath)}/@v/${escapeCase(v.version)}.zip`, { headers });
    const body = Buffer.from(await zip.arrayBuffer());
    assert.equal(zip.status, 200, `${where}.zip: ${zip.status} ${body.toString().slice(0, 200)}`);
    assert.equal(sha256(body), v.zipSha256, `${where}.zip has the published bytes`);
  }
  for (const v of expected.absent ?? []) {
    const where = `${v.owner}/${v.modulePath}@${v.version}`;
    assert.ok(!(await listedVersions(url, v.owner, v.modulePath, headers)).includes(v.version), `${where} is not listed`);
    const zip = await fetch(`${base(url, v.owner, v.modulePath)}/@v/${escapeCase(v.version)}.zip`, { headers });
    await zip.arrayBuffer();
    assert.equal(zip.status, 404, `${where}.zip is not served`);
  }
}

/** Files in a storage folder: blob keys, and temp files of uploads. */
export async function storedFiles(storageDir: string): Promise<{ blobs: string[]; temps: string[] }> {
  const files = async (sub: string) => {
    const entries = await readdir(path.join(storageDir, sub), { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
  };
  return { blobs: await files('blobs'), temps: (await files('tmp')).filter((n) => !n.startsWith('.ready-')) };
}
