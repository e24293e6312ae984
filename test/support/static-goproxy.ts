/**
 * An upstream GOPROXY for tests: a real HTTP server on loopback serving module versions
 * laid out as Go's tools lay them out (list, .info, .mod, .zip, @latest), recording every
 * request it gets, and misbehaving on demand per module path: slow, failing with 500s,
 * truncating bodies, or sending other bytes than it first served.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { unescapeCase } from '../../registry/domain/case-encoding.js';
import { latestVersion, listedVersions } from '../../registry/domain/version-query.js';
import { moduleEntries, writeZip } from './zip-writer.js';

export interface UpstreamModule {
  path: string;
  version: string;
  /** Files of the module (go.mod included when it has one). */
  files: Record<string, string>;
  time?: string;
}

export type Misbehaviour = 'slow' | 'fail' | 'truncate' | 'wrong-bytes';

export interface StaticGoproxy {
  url: string;
  /** Every request path, in order. */
  readonly requests: string[];
  add(m: UpstreamModule): Promise<void>;
  /** Makes every answer for module paths starting with prefix misbehave (undefined: behave). */
  misbehave(prefix: string, how: Misbehaviour | undefined, delayMs?: number): void;
  stop(): Promise<void>;
}

interface Stored {
  info: string;
  mod: string;
  zip: Buffer;
  /** A valid zip of the same module@version with other contents, for 'wrong-bytes'. */
  tampered: Buffer;
}

export async function startStaticGoproxy(workDir: string): Promise<StaticGoproxy> {
  const modules = new Map<string, Map<string, Stored>>();
  const rules = new Map<string, { how: Misbehaviour; delayMs: number }>();
  const requests: string[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    requests.push(url);
    void serve(url, modules, rules, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async add(m) {
      const mod = m.files['go.mod'] ?? `module ${m.path}\n`;
      const file = await writeZip(path.join(workDir, `upstream-${n++}.zip`), moduleEntries(m.path, m.version, m.files));
      const other = await writeZip(path.join(workDir, `upstream-${n++}.zip`), moduleEntries(m.path, m.version, { ...m.files, 'injected.go': 'package x\n' }));
      const versions = modules.get(m.path) ?? new Map<string, Stored>();
      const info = JSON.stringify({ Version: m.version, Time: m.time ?? '2024-01-02T03:04:05Z' });
      versions.set(m.version, { info, mod, zip: await readFile(file), tampered: await readFile(other) });
      modules.set(m.path, versions);
    },
    misbehave(prefix, how, delayMs = 0) {
      if (how) rules.set(prefix, { how, delayMs });
      else rules.delete(prefix);
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const PATTERN = /^\/(.+)\/(@v\/list|@latest|@v\/(.+)\.(info|mod|zip))$/;

async function serve(
  url: string,
  modules: Map<string, Map<string, Stored>>,
  rules: Map<string, { how: Misbehaviour; delayMs: number }>,
  res: http.ServerResponse,
): Promise<void> {
  const m = PATTERN.exec(url);
  const modulePath = m && unescapeCase(m[1]!);
  const versions = modulePath ? modules.get(modulePath) : undefined;
  if (!m || !modulePath || !versions) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  const rule = [...rules].find(([prefix]) => modulePath.startsWith(prefix))?.[1];
  if (rule?.how === 'slow') await new Promise((r) => setTimeout(r, rule.delayMs));
  if (rule?.how === 'fail') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream is broken\n');
  const bytes = answer(m, versions, rule?.how === 'wrong-bytes');
  if (bytes === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  res.writeHead(200, { 'content-length': String(bytes.length) });
  if (rule?.how === 'truncate') return void res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
  res.end(bytes);
}

function answer(m: RegExpExecArray, versions: Map<string, Stored>, wrong: boolean): Buffer | undefined {
  if (m[2] === '@v/list') return Buffer.from(listedVersions([...versions.keys()]).map((v) => v + '\n').join(''));
  if (m[2] === '@latest') return Buffer.from(versions.get(latestVersion([...versions.keys()])!)!.info);
  const version = unescapeCase(m[3]!);
  const stored = version === undefined ? undefined : versions.get(version);
  if (!stored) return undefined;
  if (m[4] === 'info') return Buffer.from(stored.info);
  if (m[4] === 'mod') return Buffer.from(wrong ? stored.mod + '// tampered\n' : stored.mod);
  return wrong ? stored.tampered : stored.zip;
}
