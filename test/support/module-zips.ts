/** Module zips for HTTP and end-to-end tests, laid out as Go's own tools make them. */
import path from 'node:path';
import { moduleEntries, writeZip } from './zip-writer.js';

let counter = 0;

export async function makeModuleZip(
  dir: string,
  modulePath: string,
  version: string,
  files: Record<string, string | Buffer> = {},
): Promise<string> {
  const withDefaults = Object.keys(files).length > 0 ? files : { 'go.mod': `module ${modulePath}\n\ngo 1.21\n`, 'lib.go': 'package lib\n' };
  return writeZip(path.join(dir, `module-${counter++}.zip`), moduleEntries(modulePath, version, withDefaults));
}
