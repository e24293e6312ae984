import { PgliteDatabase } from '../../registry/repository/pglite-database.js';
import { runModuleVersionRepositorySuite, runOwnerRepositorySuite } from '../contract/module-version-repository.suite.js';

runModuleVersionRepositorySuite('PGlite (in memory)', () => PgliteDatabase.open());
runOwnerRepositorySuite('PGlite (in memory)', () => PgliteDatabase.open());
