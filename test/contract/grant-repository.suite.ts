/** The grant storage contract, run on PostgreSQL and PGlite: save/replace, list order, remove, the owner's cascade, a missing owner. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../registry/domain/domain-error.js';
import { migrate } from '../../registry/repository/sql/migrate.js';
import { SqlGrantRepository } from '../../registry/repository/sql/sql-grant-repository.js';
import type { SqlDatabase } from '../../registry/repository/sql/sql-database.js';

export function runGrantRepositorySuite(name: string, open: () => Promise<SqlDatabase>): void {
  describe(`grant repository on ${name}`, () => {
    const withRepo = async (fn: (repo: SqlGrantRepository, db: SqlDatabase) => Promise<void>) => {
      const db = await open();
      try {
        await migrate(db);
        for (const owner of ['acme', 'acme-other']) await db.query("INSERT INTO owners (name, visibility) VALUES ($1, 'private')", [owner]);
        await fn(new SqlGrantRepository(db), db);
      } finally {
        await db.close();
      }
    };
    const sa = { kind: 'serviceAccount' as const, namespace: 'ci', name: 'builder' };
    const gh = { kind: 'oidc' as const, issuer: 'https://token.actions.githubusercontent.com', claims: { repository: 'acme/*', ref: 'refs/heads/main' } };

    test('save creates, saving again replaces; lists by owner and in full, in order', () =>
      withRepo(async (repo) => {
        assert.equal(await repo.saveGrant({ owner: 'acme', name: 'b', subject: sa, scopes: ['read'] }), true);
        assert.equal(await repo.saveGrant({ owner: 'acme', name: 'a', subject: gh, scopes: ['read', 'write'] }), true);
        assert.equal(await repo.saveGrant({ owner: 'acme-other', name: 'a', subject: { kind: 'serviceAccount', namespace: 'ci' }, scopes: ['read'] }), true);
        assert.equal(await repo.saveGrant({ owner: 'acme', name: 'b', subject: { ...sa, name: 'deployer' }, scopes: ['write'] }), false);
        const acme = await repo.listGrants('acme');
        assert.deepEqual(acme.map((g) => [g.name, g.scopes]), [['a', ['read', 'write']], ['b', ['write']]]);
        assert.deepEqual(acme[0]!.subject, gh);
        assert.deepEqual(acme[1]!.subject, { ...sa, name: 'deployer' });
        assert.ok(acme[0]!.createdAt instanceof Date);
        assert.deepEqual((await repo.listGrants()).map((g) => `${g.owner}/${g.name}`), ['acme/a', 'acme/b', 'acme-other/a']);
        assert.deepEqual(await repo.listGrants('ac'), [], 'no prefix match');
      }));

    test('remove says whether there was one; a grant on a missing owner is NotFound', () =>
      withRepo(async (repo) => {
        await repo.saveGrant({ owner: 'acme', name: 'a', subject: sa, scopes: ['read'] });
        assert.equal(await repo.removeGrant('acme', 'a'), true);
        assert.equal(await repo.removeGrant('acme', 'a'), false);
        await assert.rejects(repo.saveGrant({ owner: 'ghost', name: 'a', subject: sa, scopes: ['read'] }), (err: unknown) => err instanceof DomainError && err.kind === 'NotFound');
      }));

    test("an owner's grants go with it", () =>
      withRepo(async (repo, db) => {
        await repo.saveGrant({ owner: 'acme', name: 'a', subject: gh, scopes: ['read'] });
        await db.query("DELETE FROM owners WHERE name = 'acme'");
        assert.deepEqual(await repo.listGrants(), []);
      }));

    test('claims keep their text exactly (quotes, unicode, stars)', () =>
      withRepo(async (repo) => {
        const claims = { 'job_workflow_ref': 'acme/"x"/.github/workflows/release.yml@refs/tags/v*', 'ü': '✓' };
        await repo.saveGrant({ owner: 'acme', name: 'a', subject: { ...gh, claims }, scopes: ['read'] });
        assert.deepEqual((await repo.listGrants('acme'))[0]!.subject, { ...gh, claims });
      }));
  });
}
