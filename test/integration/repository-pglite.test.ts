import { PgliteDatabase } from '../../registry/repository/pglite-database.js';
import { runModuleVersionRepositorySuite } from '../contract/module-version-repository.suite.js';

runModuleVersionRepositorySuite('PGlite (in memory)', () => PgliteDatabase.open());
