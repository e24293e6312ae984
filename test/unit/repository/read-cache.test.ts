/** The read cache: hits, bounds, invalidation by change, and loads racing an invalidation. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModuleVersion } from '../../../registry/domain/module-version.js';
import type { Owner } from '../../../registry/domain/owner.js';
import { parseChange } from '../../../registry/repository/change-listener.js';
import { ReadCache } from '../../../registry/repository/read-cache.js';

const owner = (name: string, visibility: Owner['visibility'] = 'public'): Owner => ({
  name, visibility, managedBy: undefined, createdAt: new Date(0), updatedAt: new Date(0),
});
const version = (o: string, m: string, v: string, goModBytes = 10): ModuleVersion => ({
  owner: o, modulePath: m, version: v, blobSha256: 'b'.repeat(64), zipSize: 1, zipHash: 'h1:x', goMod: Buffer.alloc(goModBytes), goModHash: 'h1:y', createdAt: new Date(0),
});

/** A loader that counts its calls and answers what `value` holds at call time. */
function loader<T>(initial: T) {
  const l = { calls: 0, value: initial, load: async () => (l.calls++, l.value) };
  return l;
}

describe('ReadCache', () => {
  test('a known owner is loaded once; a change to it loads it again', async () => {
    const cache = new ReadCache();
    const l = loader<Owner | undefined>(owner('acme'));
    await cache.owner('acme', l.load);
    await cache.owner('acme', l.load);
    assert.equal(l.calls, 1);
    l.value = owner('acme', 'private');
    cache.apply({ table: 'owners', owner: 'other' });
    assert.equal((await cache.owner('acme', l.load))?.visibility, 'public', 'another owner changed: still cached');
    cache.apply({ table: 'owners', owner: 'acme' });
    assert.equal((await cache.owner('acme', l.load))?.visibility, 'private');
    assert.equal(l.calls, 2);
  });

  test('misses are never cached', async () => {
    const cache = new ReadCache();
    const l = loader<Owner | undefined>(undefined);
    assert.equal(await cache.owner('ghost', l.load), undefined);
    l.value = owner('ghost');
    assert.equal((await cache.owner('ghost', l.load))?.name, 'ghost');
    const list = loader<{ version: string; createdAt: Date }[]>([]);
    assert.deepEqual(await cache.versionList('acme', 'm', list.load), []);
    list.value = [{ version: 'v1.0.0', createdAt: new Date(0) }];
    assert.equal((await cache.versionList('acme', 'm', list.load)).length, 1);
    assert.equal(list.calls, 2);
  });

  test('a module change drops its versions and list, not other modules; an owner-wide change drops all of the owner', async () => {
    const cache = new ReadCache();
    const a = loader<ModuleVersion | undefined>(version('acme', 'example.com/a', 'v1.0.0'));
    const ab = loader<ModuleVersion | undefined>(version('acme', 'example.com/a/b', 'v1.0.0'));
    const other = loader<ModuleVersion | undefined>(version('zeta', 'example.com/a', 'v1.0.0'));
    const reload = async () => {
      await cache.version('acme', 'example.com/a', 'v1.0.0', a.load);
      await cache.version('acme', 'example.com/a/b', 'v1.0.0', ab.load);
      await cache.version('zeta', 'example.com/a', 'v1.0.0', other.load);
    };
    await reload();
    cache.apply({ table: 'module_versions', owner: 'acme', modulePath: 'example.com/a' });
    await reload();
    assert.deepEqual([a.calls, ab.calls, other.calls], [2, 1, 1], 'example.com/a/b is another module');
    cache.apply({ table: 'module_versions', owner: 'acme' });
    await reload();
    assert.deepEqual([a.calls, ab.calls, other.calls], [3, 2, 1]);
  });

  test('a load that started before an invalidation does not store its (stale) answer', async () => {
    const cache = new ReadCache();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stale = cache.version('acme', 'm', 'v1.0.0', async () => {
      await gate;
      return version('acme', 'm', 'v1.0.0');
    });
    cache.apply({ table: 'module_versions', owner: 'acme', modulePath: 'm' }); // the delete commits meanwhile
    release();
    assert.ok(await stale, 'the racing request itself still gets what it read');
    const l = loader<ModuleVersion | undefined>(undefined);
    assert.equal(await cache.version('acme', 'm', 'v1.0.0', l.load), undefined);
    assert.equal(l.calls, 1, 'the stale row was not kept');
  });

  test('token changes drop every cached token', async () => {
    const cache = new ReadCache();
    const l = loader({ owner: 'acme', name: 't', digest: 'd', scopes: ['read' as const], expiresAt: undefined, createdAt: new Date(0), lastUsedAt: undefined });
    await cache.token('d', l.load);
    cache.apply({ table: 'tokens', owner: 'someone-else' });
    await cache.token('d', l.load);
    assert.equal(l.calls, 2);
  });

  test('disabled: every read loads, nothing is kept; enabling starts empty', async () => {
    const cache = new ReadCache({ enabled: false });
    const l = loader<Owner | undefined>(owner('acme'));
    await cache.owner('acme', l.load);
    await cache.owner('acme', l.load);
    assert.equal(l.calls, 2);
    cache.setEnabled(true);
    await cache.owner('acme', l.load);
    await cache.owner('acme', l.load);
    assert.equal(l.calls, 3);
    cache.setEnabled(false);
    await cache.owner('acme', l.load);
    assert.equal(l.calls, 4, 'turning off drops what was held');
  });

  test('bounded: entries beyond the byte budget are evicted, oversized ones never kept', async () => {
    const cache = new ReadCache({ maxBytes: 64 * 1024 }); // versions get half: 32 KiB, at most 2 KiB each
    const loads: number[] = [];
    for (let i = 0; i < 200; i++) {
      await cache.version('acme', 'm', `v1.${i}.0`, async () => (loads.push(i), version('acme', 'm', `v1.${i}.0`, 100)));
    }
    let reloads = 0;
    for (let i = 0; i < 200; i++) await cache.version('acme', 'm', `v1.${i}.0`, async () => (reloads++, version('acme', 'm', `v1.${i}.0`, 100)));
    assert.ok(reloads > 100, `most of 200 × ~600 B entries do not fit in 32 KiB (reloaded ${reloads})`);
    let bigLoads = 0;
    const big = async () => (bigLoads++, version('acme', 'big', 'v1.0.0', 16 * 1024));
    await cache.version('acme', 'big', 'v1.0.0', big);
    await cache.version('acme', 'big', 'v1.0.0', big);
    assert.equal(bigLoads, 2);
  });
});

describe('parseChange', () => {
  test('trigger payloads', () => {
    assert.deepEqual(parseChange('{"table" : "module_versions", "owner" : "a", "modulePath" : "m"}'), { table: 'module_versions', owner: 'a', modulePath: 'm' });
    assert.deepEqual(parseChange('{"table" : "owners", "owner" : "a", "modulePath" : null}'), { table: 'owners', owner: 'a' });
    assert.deepEqual(parseChange('{"table" : "tokens", "owner" : "a", "modulePath" : null}'), { table: 'tokens', owner: 'a' });
  });
  test('anything else means: drop everything', () => {
    for (const p of [undefined, '', 'not json', '{"table":"other","owner":"a"}', '{"table":"owners"}']) assert.equal(parseChange(p), 'all');
  });
});
