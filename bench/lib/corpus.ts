/**
 * The benchmark corpus: N modules with several versions each, a dependency graph
 * between them (each module requires a few later ones, so it is acyclic), zips from
 * 10 KiB upward of incompressible bytes, plus one ~1 MiB and one ~50 MiB module.
 * Also written as a static GOPROXY file tree (list, .info, .mod, .zip, @latest): the
 * same bytes nginx serves and `GOPROXY=file://` reads. Sizes and edges come from a
 * seeded generator, so every run measures the same shapes.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZipWriter } from '../../test/support/zip-writer.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface CorpusVersion {
  version: string;
  zipFile: string;
  zipBytes: number;
  goMod: string;
}

export interface CorpusModule {
  path: string;
  versions: CorpusVersion[];
}

export interface Corpus {
  root: string;
  /** The static GOPROXY tree (nginx's root, GOPROXY=file://). */
  tree: string;
  /** The dependency graph, every version. */
  graph: CorpusModule[];
  zip1m: CorpusModule;
  zipBig: CorpusModule;
  /** A consumer go.mod requiring the latest of every graph module. */
  consumerGoMod: string;
  totalBytes: number;
}

export interface CorpusShape {
  modules: number;
  versions: number;
  minZip: number;
  maxGraphZip: number;
  bigZip: number;
}

export const FULL_SHAPE: CorpusShape = { modules: 200, versions: 3, minZip: 10 * KiB, maxGraphZip: 2 * MiB, bigZip: 50 * MiB };
export const QUICK_SHAPE: CorpusShape = { modules: 30, versions: 2, minZip: 10 * KiB, maxGraphZip: 256 * KiB, bigZip: 16 * MiB };

/** mulberry32: small, seeded, good enough to pick sizes and edges. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const versionName = (i: number) => `v1.${i}.0`;
const moduleName = (i: number) => `bench.example/m${String(i).padStart(3, '0')}`;

function goModOf(modulePath: string, requires: string[]): string {
  const req = requires.length ? `\nrequire (\n${requires.map((r) => `\t${r}\n`).join('')})\n` : '';
  return `module ${modulePath}\n\ngo 1.21\n${req}`;
}

async function writeModuleZip(file: string, modulePath: string, version: string, goMod: string, bytes: number): Promise<number> {
  const zip = new ZipWriter(file);
  const prefix = `${modulePath}@${version}/`;
  const pkg = path.posix.basename(modulePath).replace(/[^a-z0-9]/g, '');
  await zip.add({ name: `${prefix}go.mod`, data: goMod });
  await zip.add({ name: `${prefix}${pkg}.go`, data: `package ${pkg}\n\nconst Version = "${version}"\n`, method: 'deflate' });
  // Stored random bytes, in 4 MiB entries, so the zip is as large as asked.
  for (let left = bytes, i = 0; left > 0; left -= 4 * MiB, i++) {
    await zip.add({ name: `${prefix}data/blob${i}.bin`, data: randomBytes(Math.min(left, 4 * MiB)) });
  }
  await zip.close();
  return (await stat(file)).size;
}

/** One module's files in the static tree, hard-linking the zip (no second copy). */
async function addToTree(tree: string, m: CorpusModule): Promise<void> {
  const dir = path.join(tree, m.path, '@v');
  await mkdir(dir, { recursive: true });
  const time = '2026-01-01T00:00:00Z';
  for (const v of m.versions) {
    await writeFile(path.join(dir, `${v.version}.info`), JSON.stringify({ Version: v.version, Time: time }));
    await writeFile(path.join(dir, `${v.version}.mod`), v.goMod);
    await link(v.zipFile, path.join(dir, `${v.version}.zip`));
  }
  await writeFile(path.join(dir, 'list'), m.versions.map((v) => v.version + '\n').join(''));
  const latest = m.versions[m.versions.length - 1]!.version;
  await writeFile(path.join(tree, m.path, '@latest'), JSON.stringify({ Version: latest, Time: time }));
}

export async function generateCorpus(root: string, shape: CorpusShape): Promise<Corpus> {
  const random = prng(8);
  const zips = path.join(root, 'zips');
  const tree = path.join(root, 'tree');
  await mkdir(zips, { recursive: true });
  const latest = versionName(shape.versions - 1);
  let totalBytes = 0;
  const makeModule = async (modulePath: string, versions: string[], size: () => number, requires: string[]) => {
    const m: CorpusModule = { path: modulePath, versions: [] };
    for (const version of versions) {
      const goMod = goModOf(modulePath, requires);
      const zipFile = path.join(zips, `${modulePath.replace(/\W/g, '_')}@${version}.zip`);
      const zipBytes = await writeModuleZip(zipFile, modulePath, version, goMod, size());
      totalBytes += zipBytes;
      m.versions.push({ version, zipFile, zipBytes, goMod });
    }
    await addToTree(tree, m);
    return m;
  };
  const graph: CorpusModule[] = [];
  const logRange = Math.log(shape.maxGraphZip / shape.minZip);
  for (let i = 0; i < shape.modules; i++) {
    const deps = new Set<number>();
    for (let k = 0; k < 3 && i + 1 < shape.modules; k++) deps.add(i + 1 + Math.floor(random() * (shape.modules - i - 1)));
    const requires = [...deps].sort((a, b) => a - b).map((d) => `${moduleName(d)} ${latest}`);
    const versions = Array.from({ length: shape.versions }, (_, v) => versionName(v));
    // Log-uniform sizes: many small zips, a few of megabytes, as in real dependency graphs.
    graph.push(await makeModule(moduleName(i), versions, () => Math.round(shape.minZip * Math.exp(random() * logRange)), requires));
  }
  const zip1m = await makeModule('bench.example/zip1m', ['v1.0.0'], () => MiB - 512, []);
  const zipBig = await makeModule('bench.example/zipbig', ['v1.0.0'], () => shape.bigZip - 1024, []);
  const consumerGoMod = goModOf('bench.example/consumer', graph.map((m) => `${m.path} ${latest}`));
  return { root, tree, graph, zip1m, zipBig, consumerGoMod, totalBytes };
}

/** Every (module, version) of the corpus, for uploads. */
export const allVersions = (c: Corpus): CorpusVersion[] => [...c.graph, c.zip1m, c.zipBig].flatMap((m) => m.versions);
