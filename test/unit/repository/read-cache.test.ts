/** The read cache: the owner directory, version hits, bounds, invalidation by change, and loads racing an invalidation. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModuleVersion } from '../../../registry/domain/module-version.js';
import type { Owner } from '../../../registry/domain/owner.js';
import { parseChange } from '../../../registry/repository/sql/change-listener.js';
import type { TokenRecord } from '../../../registry/repository/owner-repository.js';
import { UNKNOWN } from '../../../registry/repository/known.js';
import { ReadCache } from '../../../registry/repository/read-cache.js';

const owner = (name: string, visibility: Owner['visibility'] = 'public'): Owner => ({
  name, visibility, managedBy: undefined, claims: [], upstream: false, createdAt: new Date(0), updatedAt: new Date(0),
});
const version = (o: string, m: string, v: string, goModBytes = 10): ModuleVersion => ({
  owner: o, modulePath: m, version: v, blobSha256: 'b'.repeat(64), zipSize: 1, zipHash: 'h1:x', goMod: Buffer.alloc(goModBytes), goModHash: 'h1:y', createdAt: new Date(0),
});

/** A loader that counts its calls and answers what `value` holds at call time. */
function loader<T>(initial: T) {
  const l = { calls: 0, value: initial, load: async () => (l.calls++, l.value) };
  return l;
}

/** A directory loader over mutable tables, counting its full loads. */
function directory(owners: Owner[] = [], tokens: TokenRecord[] = []) {
  const d = { loads: 0, owners, tokens, load: async () => (d.loads++, { owners: [...d.owners], tokens: [...d.tokens], grants: [] }) };
  return d;
}
const token = (digest: string, o = 'acme'): TokenRecord => ({
  owner: o, name: `t-${digest}`, digest, scopes: ['read'], expiresAt: undefined, createdAt: new Date(0), lastUsedAt: undefined,
});
const never = async (): Promise<never> => assert.fail('the database was asked although the directory is complete');

describe('ReadCache: owners and tokens (the directory)', () => {
  test('until the directory is loaded, lookups go to the database; then known and unknown names are answered from memory', async () => {
    const d = directory([owner('acme', 'private')], [token('d1')]);
    const cache = new ReadCache({ loadDirectory: d.load });
    const db = loader<Owner | undefined>(owner('acme', 'private'));
    assert.equal((await cache.owner('acme', db.load))?.name, 'acme', 'first lookup: the database');
    assert.equal(db.calls, 1);
    await cache.directorySettled();
    assert.equal(d.loads, 1, 'that lookup started one rebuild');
    assert.equal((await cache.owner('acme', never))?.visibility, 'private');
    assert.equal(await cache.owner('ghost', never), undefined, 'a missing owner costs what an existing one does');
    assert.equal((await cache.token('d1', never))?.name, 't-d1');
    assert.equal(await cache.token('random', never), undefined, 'a random token never reaches the database');
  });

  test('an owner or token change drops the directory; the rebuild sees the change, and lookups in between ask the database', async () => {
    const d = directory([owner('acme')]);
    const cache = new ReadCache({ loadDirectory: d.load });
    await cache.owner('x', async () => undefined);
    await cache.directorySettled();
    d.owners = [owner('acme', 'private'), owner('new')];
    cache.apply({ table: 'owners', owner: 'new' });
    const db = loader<Owner | undefined>(owner('new'));
    assert.equal((await cache.owner('new', db.load))?.name, 'new', 'created: found at once, from the database');
    await cache.directorySettled();
    assert.equal((await cache.owner('new', never))?.name, 'new');
    assert.equal((await cache.owner('acme', never))?.visibility, 'private');
    d.tokens = [token('d2')];
    cache.apply({ table: 'tokens', owner: 'acme' });
    assert.equal((await cache.token('d2', async () => token('d2')))?.digest, 'd2', 'a new token works before the rebuild');
    await cache.directorySettled();
    assert.equal((await cache.token('d2', never))?.digest, 'd2');
  });

  test('a rebuild that raced a change is thrown away and done again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let rows: Owner[] = [owner('acme')];
    let loads = 0;
    const cache = new ReadCache({
      loadDirectory: async () => {
        const seen = rows; // what the SELECT saw
        if (loads++ === 0) await gate;
        return { owners: seen, tokens: [], grants: [] };
      },
    });
    await cache.owner('acme', async () => owner('acme'));
    rows = [owner('acme', 'private')];
    cache.apply({ table: 'owners', owner: 'acme' }); // committed while the first load was on its way
    release();
    await cache.directorySettled();
    assert.equal(loads, 2);
    assert.equal((await cache.owner('acme', never))?.visibility, 'private', 'the stale snapshot was never used');
  });

  test('a failed rebuild (database down) is tried again on a later lookup, not in a loop', async (t) => {
    t.mock.timers.enable({ apis: ['Date'] });
    let fail = true;
    let loads = 0;
    const cache = new ReadCache({ loadDirectory: async () => (loads++, fail ? Promise.reject(new Error('down')) : { owners: [owner('acme')], tokens: [], grants: [] }) });
    await cache.owner('acme', async () => owner('acme'));
    await cache.directorySettled();
    await cache.owner('acme', async () => owner('acme'));
    await cache.directorySettled();
    assert.equal(loads, 1, 'no retry within a second');
    fail = false;
    t.mock.timers.tick(1000);
    await cache.owner('acme', async () => owner('acme'));
    await cache.directorySettled();
    assert.equal(loads, 2);
    assert.equal((await cache.owner('acme', never))?.name, 'acme');
  });

  test('disabled: every lookup asks the database; enabling rebuilds before the directory is used', async () => {
    const d = directory([owner('acme')]);
    const cache = new ReadCache({ enabled: false, loadDirectory: d.load });
    const db = loader<Owner | undefined>(owner('acme'));
    await cache.owner('acme', db.load);
    await cache.owner('acme', db.load);
    await cache.directorySettled();
    assert.equal(db.calls, 2);
    assert.equal(d.loads, 0);
    cache.setEnabled(true);
    await cache.owner('acme', db.load);
    assert.equal(db.calls, 3, 'not before its rebuild');
    await cache.directorySettled();
    await cache.owner('acme', never);
    cache.setEnabled(false);
    await cache.owner('acme', db.load);
    assert.equal(db.calls, 4, 'turning off drops what was held');
  });

  test('without a directory loader, owners and tokens are not cached', async () => {
    const cache = new ReadCache();
    const db = loader<Owner | undefined>(owner('acme'));
    await cache.owner('acme', db.load);
    await cache.owner('acme', db.load);
    assert.equal(db.calls, 2);
  });
});

describe('ReadCache: versions and lists', () => {
  test('misses are never cached', async () => {
    const cache = new ReadCache();
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
    assert.deepEqual(parseChange('{"table" : "access_grants", "owner" : "a", "modulePath" : null}'), { table: 'access_grants', owner: 'a' });
    assert.deepEqual(parseChange('{"table" : "cached_versions", "owner" : null, "modulePath" : "public.example/m"}'), { table: 'cached_versions', modulePath: 'public.example/m' });
  });
  test('anything else means: drop everything', () => {
    for (const p of [undefined, '', 'not json', '{"table":"other","owner":"a"}', '{"table":"owners"}', '{"table":"cached_versions","owner":null}']) assert.equal(parseChange(p), 'all');
  });
});

describe('ReadCache: the synchronous known… look-ups', () => {
  test('UNKNOWN until held, the held answer after, UNKNOWN again once a change drops it or the cache is off', async () => {
    const d = directory([owner('acme')]);
    const cache = new ReadCache({ loadDirectory: d.load });
    assert.equal(cache.knownOwner('acme'), UNKNOWN, 'no directory yet');
    assert.equal(cache.knownClaimant('example.com/m'), UNKNOWN);
    await cache.owner('acme', async () => owner('acme'));
    await cache.directorySettled();
    assert.equal((cache.knownOwner('acme') as Owner).name, 'acme');
    assert.equal(cache.knownOwner('ghost'), undefined, 'a complete directory knows a missing owner');
    assert.equal(cache.knownClaimant('example.com/m'), undefined);

    assert.equal(cache.knownVersion('acme', 'example.com/m', 'v1.0.0'), UNKNOWN, 'a version never loaded');
    const v = version('acme', 'example.com/m', 'v1.0.0');
    await cache.version('acme', 'example.com/m', 'v1.0.0', async () => v);
    await cache.versionList('acme', 'example.com/m', async () => [v]);
    assert.equal(cache.knownVersion('acme', 'example.com/m', 'v1.0.0'), v);
    assert.equal((cache.knownVersionList('acme', 'example.com/m') as unknown[]).length, 1);
    await cache.version('acme', 'example.com/m', 'v9.0.0', async () => undefined);
    assert.equal(cache.knownVersion('acme', 'example.com/m', 'v9.0.0'), UNKNOWN, 'a miss is not held');

    cache.apply({ table: 'module_versions', owner: 'acme', modulePath: 'example.com/m' });
    assert.equal(cache.knownVersion('acme', 'example.com/m', 'v1.0.0'), UNKNOWN, 'dropped by the change');
    assert.equal(cache.knownVersionList('acme', 'example.com/m'), UNKNOWN);
    await cache.version('acme', 'example.com/m', 'v1.0.0', async () => v);
    cache.setEnabled(false);
    assert.equal(cache.knownVersion('acme', 'example.com/m', 'v1.0.0'), UNKNOWN, 'cache off');
    assert.equal(cache.knownOwner('acme'), UNKNOWN);
  });
});
