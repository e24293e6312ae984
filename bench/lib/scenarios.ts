/**
 * The read scenarios, as path lists under one GOPROXY prefix, and how many
 * connections each runs with. Every target gets the same paths.
 */
import type { Corpus } from './corpus.js';

export type ScenarioName = 'info' | 'mod' | 'list' | 'latest' | 'info-token' | 'zip1m' | 'zipBig' | 'zipSmall' | 'uiModule';

export interface Scenario {
  name: ScenarioName;
  connections: number;
  paths: (prefix: string) => string[];
  /** Sent as Basic credentials: the token path of authentication. */
  withToken?: boolean;
  /** A page of the registry's own (the web UI): nginx and Athens have none. */
  registryOnly?: boolean;
}

/** The owner of an owner's GOPROXY prefix (`/api/packages/{owner}/go`). */
const ownerOf = (prefix: string) => /^\/api\/packages\/([^/]+)\/go$/.exec(prefix)?.[1] ?? 'bench';

export function scenarios(corpus: Corpus): Scenario[] {
  const every = (suffix: (m: string, v: string) => string) => (prefix: string) =>
    corpus.graph.flatMap((m) => m.versions.map((v) => `${prefix}/${suffix(m.path, v.version)}`));
  const perModule = (suffix: string) => (prefix: string) => corpus.graph.map((m) => `${prefix}/${m.path}/${suffix}`);
  return [
    { name: 'info', connections: 64, paths: every((m, v) => `${m}/@v/${v}.info`) },
    { name: 'mod', connections: 64, paths: every((m, v) => `${m}/@v/${v}.mod`) },
    { name: 'list', connections: 64, paths: perModule('@v/list') },
    { name: 'latest', connections: 64, paths: perModule('@latest') },
    { name: 'info-token', connections: 64, paths: every((m, v) => `${m}/@v/${v}.info`), withToken: true },
    // What a build fetches: the latest version of every graph module, the zips of up to 1 MiB
    // (answered whole; larger ones are streamed).
    { name: 'zipSmall', connections: 8, paths: (p) => corpus.graph.flatMap((m) => (m.versions.at(-1)!.zipBytes <= 1024 * 1024 ? [`${p}/${m.path}/@v/${m.versions.at(-1)!.version}.zip`] : [])) },
    { name: 'zip1m', connections: 8, paths: (p) => [`${p}/${corpus.zip1m.path}/@v/v1.0.0.zip`] },
    { name: 'zipBig', connections: 4, paths: (p) => [`${p}/${corpus.zipBig.path}/@v/v1.0.0.zip`] },
    // The web UI's module page of every graph module (its latest version: versions, go.mod, README, file
    // tree), warm: wrk's warm-up reads each once first.
    { name: 'uiModule', connections: 16, registryOnly: true, paths: (p) => corpus.graph.map((m) => `/ui/modules/${ownerOf(p)}/${m.path}`) },
  ];
}
