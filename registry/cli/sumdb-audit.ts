/**
 * `npm run sumdb:audit -- <database URL>`: an auditor's check of the registry's checksum
 * database from outside, with the admin token (GOREGISTRY_ADMIN_TOKEN; data tiles are the
 * admin's). It fetches the signed tree and every record, recomputes every hash and the
 * root, checks that each tree it saw on an earlier run (kept under --state) is a prefix of
 * this one, and downloads every logged version the registry still serves (a hosted one from
 * its owner's endpoint, a cached public one from /go) to check its zip against its record. Exit code 0 when all holds, 1 otherwise, 2 for bad usage.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { escapeCase } from '../domain/case-encoding.js';
import { newVerifier, open, verifierList } from '../domain/sumdb/note.js';
import { parseRecordText } from '../domain/sumdb/record.js';
import { tilePath } from '../domain/sumdb/tile.js';
import { parseTree } from '../domain/sumdb/tlog-note.js';
import { formatHash, hashEqual, storedHashes, treeHash, type Hash } from '../domain/sumdb/tlog.js';
import { checkModuleZip } from '../upload/module-zip-check.js';

const usage = 'usage: npm run sumdb:audit -- <https://host/sumdb/<name>> [--vkey <verifier key>] [--state <folder>] [--no-zips]';

interface Options {
  url: string;
  vkey?: string;
  stateDir: string;
  zips: boolean;
  adminToken: string | undefined;
}

export async function audit(o: Options, say: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  const base = o.url.replace(/\/+$/, '');
  const origin = base.replace(/\/sumdb\/[^/]+$/, '');
  const headers: Record<string, string> = o.adminToken ? { Authorization: `Bearer ${o.adminToken}` } : {};
  const get = async (url: string) => {
    const res = await fetch(url, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${body.toString('utf8').trim()}`);
    return body;
  };
  const vkey = o.vkey ?? (await get(`${origin}/api/sumdb/key`)).toString('utf8').trim();
  const note = open(await get(`${base}/latest`), verifierList(newVerifier(vkey)));
  const tree = parseTree(note.text);
  say(`tree of ${tree.n} records signed by ${vkey.split('+')[0]}`);

  // Every record, from the data tiles, and the hashes recomputed from them.
  const records: Buffer[] = [];
  for (let n = 0; n * 256 < tree.n; n++) {
    const w = Math.min(256, tree.n - n * 256);
    const data = await get(`${base}/${tilePath({ h: 8, l: -1, n, w })}`);
    const texts = data.toString('utf8').split('\n\n').slice(0, -1).map((t) => Buffer.from(t + '\n'));
    if (texts.length !== w) problems.push(`data tile ${n}: ${texts.length} records, want ${w}`);
    records.push(...texts);
  }
  const stored: Hash[] = [];
  const reader = { readHashes: (indexes: readonly number[]) => indexes.map((i) => stored[i]!) };
  for (let id = 0; id < records.length; id++) stored.push(...(await storedHashes(id, records[id]!, reader)));
  const root = await treeHash(records.length, reader);
  if (!hashEqual(root, tree.hash)) problems.push(`the records hash to ${formatHash(root)}, the signed tree says ${formatHash(tree.hash)}`);
  else say(`every record and the root recomputed: ${formatHash(root)}`);

  // Trees seen before must be prefixes of this one.
  await mkdir(o.stateDir, { recursive: true });
  const stateFile = path.join(o.stateDir, `${vkey.split('+')[0]}.trees`);
  const seen = (await readFile(stateFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  for (const line of seen) {
    const [size, hash] = line.split(' ');
    const n = Number(size);
    if (n > records.length) problems.push(`a tree of ${n} records was seen before; the log now has ${records.length}`);
    else if (formatHash(await treeHash(n, reader)) !== hash) problems.push(`the tree of ${n} records seen before (${hash}) is not a prefix of this log`);
  }
  if (seen.length) say(`${seen.length} tree(s) seen before checked against this one`);
  await writeFile(stateFile, [...seen, `${tree.n} ${formatHash(tree.hash)}`].join('\n') + '\n');

  if (o.zips) {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'sumdb-audit-'));
    let checked = 0;
    let gone = 0;
    // Hosted versions from their owner's endpoint, cached public ones from /go (the log does not name owners; the admin API does).
    const owners: (string | null)[] = [];
    for (let from = 0; from < records.length; from += 1000) {
      const page = JSON.parse((await get(`${origin}/api/admin/sumdb/records?from=${from}&count=1000`)).toString('utf8')) as { owner: string | null }[];
      owners.push(...page.map((r) => r.owner));
    }
    try {
      for (const [id, text] of records.entries()) {
        const [zipLine, modLine] = parseRecordText(text.toString('utf8'));
        const owner = owners[id];
        const endpoint = owner ? `${origin}/api/packages/${owner}/go` : `${origin}/go`;
        const url = `${endpoint}/${escapeCase(zipLine!.path)}/@v/${escapeCase(zipLine!.version)}.zip`;
        const res = await fetch(url, { headers });
        if (res.status === 404 || res.status === 403) {
          await res.arrayBuffer();
          gone++;
          continue;
        }
        const file = path.join(tmp, 'module.zip');
        await writeFile(file, Buffer.from(await res.arrayBuffer()));
        const zip = await checkModuleZip(file).catch((err: Error) => ({ zipHash: `unreadable: ${err.message}`, goModHash: '' }));
        if (zip.zipHash !== zipLine!.hash) problems.push(`${zipLine!.path}@${zipLine!.version}: the served zip hashes to ${zip.zipHash}, the log says ${zipLine!.hash}`);
        else if (zip.goModHash !== modLine!.hash) problems.push(`${zipLine!.path}@${zipLine!.version}: the zip's go.mod hashes to ${zip.goModHash}, the log says ${modLine!.hash}`);
        checked++;
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    say(`${checked} served zips checked against their records (${gone} no longer served)`);
  }
  return problems;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { vkey: { type: 'string' }, state: { type: 'string' }, 'no-zips': { type: 'boolean' }, help: { type: 'boolean' } } });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help || parsed.positionals.length !== 1) {
    process.stderr.write(`${usage}\n`);
    return parsed.values.help ? 0 : 2;
  }
  const problems = await audit(
    {
      url: parsed.positionals[0]!,
      vkey: parsed.values.vkey,
      stateDir: parsed.values.state ?? path.join(os.homedir(), '.cache', 'go-registry', 'sumdb-audit'),
      zips: !parsed.values['no-zips'],
      adminToken: process.env.GOREGISTRY_ADMIN_TOKEN,
    },
    (line) => process.stdout.write(`${line}\n`),
  );
  for (const p of problems) process.stdout.write(`PROBLEM: ${p}\n`);
  process.stdout.write(problems.length ? `audit failed: ${problems.length} problem(s)\n` : 'audit passed\n');
  return problems.length ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`audit failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
