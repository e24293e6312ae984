import { after, before } from 'node:test';
import { PgDatabase } from '../../registry/repository/sql/pg-database.js';
import { runModuleVersionRepositorySuite, runOwnerRepositorySuite } from '../contract/module-version-repository.suite.js';
import { runBlobLifecycleSuite } from '../contract/blob-lifecycle.suite.js';
import { runGrantRepositorySuite } from '../contract/grant-repository.suite.js';
import { runCatalogRepositorySuite } from '../contract/catalog-repository.suite.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';

let cluster: PostgresCluster;
let n = 0;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster?.stop());

// Each test gets its own database on the one throwaway cluster.
runModuleVersionRepositorySuite('PostgreSQL 15', async () => new PgDatabase(await cluster.createDatabase(`t${n++}`)));
runOwnerRepositorySuite('PostgreSQL 15', async () => new PgDatabase(await cluster.createDatabase(`o${n++}`)));
runBlobLifecycleSuite('PostgreSQL 15', async () => new PgDatabase(await cluster.createDatabase(`l${n++}`)));
runGrantRepositorySuite('PostgreSQL 15', async () => new PgDatabase(await cluster.createDatabase(`g${n++}`)));
runCatalogRepositorySuite('PostgreSQL 15', async () => new PgDatabase(await cluster.createDatabase(`c${n++}`)));
