/**
 * What to warm the pull-through cache with, read from a go.sum (every module version a
 * build needs: `path version h1:…` for a zip, `path version/go.mod h1:…` for a go.mod)
 * or a go.mod's require directives (the listed versions' zips). Lines that are neither
 * are ignored; invalid versions are reported by the caller when fetched.
 */
export interface PrefetchItem {
  modulePath: string;
  version: string;
  /** The zip is wanted (not only the go.mod). */
  zip: boolean;
  /** The h1: hash a go.sum gave, to compare with what is stored. */
  expectedHash?: string;
}

const GO_SUM = /^(\S+) (\S+?)(\/go\.mod)? (h1:\S+)$/;
const REQUIRE = /^(?:require\s+)?([^\s()"]+)\s+(v[^\s/]+)(?:\s*\/\/.*)?$/;

export function parsePrefetchList(text: string): PrefetchItem[] {
  const items = new Map<string, PrefetchItem>();
  const add = (item: PrefetchItem) => {
    const key = `${item.modulePath}@${item.version}`;
    const known = items.get(key);
    if (!known || (item.zip && !known.zip)) items.set(key, item);
  };
  let inRequire = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const sum = GO_SUM.exec(line);
    if (sum) {
      add({ modulePath: sum[1]!, version: sum[2]!, zip: !sum[3], expectedHash: sum[4] });
      continue;
    }
    if (/^require\s*\($/.test(line)) inRequire = true;
    else if (line === ')') inRequire = false;
    else if (inRequire || line.startsWith('require ')) {
      const req = REQUIRE.exec(line);
      if (req) add({ modulePath: req[1]!, version: req[2]!, zip: true });
    }
  }
  return [...items.values()];
}
