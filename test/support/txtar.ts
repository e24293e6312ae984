/**
 * Reads the txtar format Go's own test data uses: a header of `key=value` lines,
 * then `-- name --` sections. Our zip-rule fixtures are written in it, so cases read
 * like x/mod's testdata.
 */
import { readFileSync } from 'node:fs';

export interface Txtar {
  header: Record<string, string>;
  files: { name: string; data: string }[];
}

export function parseTxtar(text: string): Txtar {
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  const header: Record<string, string> = {};
  const files: { name: string; data: string }[] = [];
  let current: { name: string; lines: string[] } | undefined;
  const flush = () => current && files.push({ name: current.name, data: current.lines.map((l) => l + '\n').join('') });
  for (const line of lines) {
    const marker = /^-- (.+) --$/.exec(line);
    if (marker) {
      flush();
      current = { name: marker[1]!, lines: [] };
    } else if (current) {
      current.lines.push(line);
    } else {
      const eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith('#')) header[line.slice(0, eq).trim()] = line.slice(eq + 1).replace(/\s+#.*$/, '').trim();
    }
  }
  flush();
  return { header, files };
}

export const readTxtar = (file: string) => parseTxtar(readFileSync(file, 'utf8'));
