import { PgliteDatabase } from '../../registry/repository/sql/pglite-database.js';
import { runModuleVersionRepositorySuite, runOwnerRepositorySuite } from '../contract/module-version-repository.suite.js';
import { runBlobLifecycleSuite } from '../contract/blob-lifecycle.suite.js';
import { runGrantRepositorySuite } from '../contract/grant-repository.suite.js';
import { runCatalogRepositorySuite } from '../contract/catalog-repository.suite.js';

runModuleVersionRepositorySuite('PGlite (in memory)', () => PgliteDatabase.open());
runOwnerRepositorySuite('PGlite (in memory)', () => PgliteDatabase.open());
runBlobLifecycleSuite('PGlite (in memory)', () => PgliteDatabase.open());
runGrantRepositorySuite('PGlite (in memory)', () => PgliteDatabase.open());
runCatalogRepositorySuite('PGlite (in memory)', () => PgliteDatabase.open());
