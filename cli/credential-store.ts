/**
 * The CLI's credentials file: URL prefixes mapped to a token or a token file,
 *
 *   { "credentials": {
 *       "https://go.example.com/api/packages/acme/go": { "token": "gor_…" },
 *       "https://go.example.com/api/packages/team/go": { "tokenFile": "/var/run/secrets/tokens/go-registry" } } }
 *
 * at $GOREGISTRY_CONFIG, else $XDG_CONFIG_HOME/go-registry/credentials.json, else
 * ~/.config/go-registry/credentials.json. Written with mode 0600 (temp file, then rename).
 * A token file is read on every use: a projected ServiceAccount token is rotated by the kubelet.
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { invalidError } from './cli-error.js';
import { prefixCovers, prefixKey } from './url-prefix.js';

export type TokenSource = { token: string } | { tokenFile: string };

const Entry = z.union([z.strictObject({ token: z.string().min(1) }), z.strictObject({ tokenFile: z.string().min(1) })]);
const ConfigFile = z.object({ credentials: z.record(z.string(), Entry).default({}) });
export type CredentialsConfig = z.infer<typeof ConfigFile>;

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GOREGISTRY_CONFIG) return path.resolve(env.GOREGISTRY_CONFIG);
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'go-registry', 'credentials.json');
}

export async function readConfig(file: string, warn: (line: string) => void = () => {}): Promise<CredentialsConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { credentials: {} };
    throw invalidError(`${file}: cannot read the credentials file: ${(err as Error).message}`);
  }
  let parsed: CredentialsConfig;
  try {
    parsed = ConfigFile.parse(JSON.parse(text));
  } catch (err) {
    const detail = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (err as Error).message;
    throw invalidError(`${file}: not a credentials file ({"credentials": {"https://…": {"token"|"tokenFile": "…"}}}): ${detail}`);
  }
  for (const prefix of Object.keys(parsed.credentials)) {
    try {
      prefixKey(prefix);
    } catch (err) {
      throw invalidError(`${file}: ${(err as Error).message}`);
    }
  }
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0 && Object.values(parsed.credentials).some((e) => 'token' in e)) {
    warn(`warning: ${file} holds tokens and is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  }
  return parsed;
}

/** Stores (or, with undefined, removes) the source for a prefix; the file stays mode 0600. */
export async function saveCredential(file: string, prefix: string, source: TokenSource | undefined): Promise<void> {
  const config = await readConfig(file);
  const key = Object.keys(config.credentials).find((p) => prefixKey(p) === prefixKey(prefix)) ?? prefix.replace(/\/+$/, '');
  if (source) config.credentials[key] = source;
  else delete config.credentials[key];
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

/** The most specific configured prefix covering the URL, as go picks the longest one. */
export function sourceFor(config: CredentialsConfig, url: string): { prefix: string; source: TokenSource } | undefined {
  const covering = Object.entries(config.credentials)
    .filter(([prefix]) => prefixCovers(prefix, url))
    .sort(([a], [b]) => prefixKey(b).length - prefixKey(a).length);
  const best = covering[0];
  return best ? { prefix: best[0], source: best[1] } : undefined;
}

/** The token a source names, read now; refuses one that cannot travel in an HTTP header. */
export async function tokenOf(source: TokenSource): Promise<string> {
  let token: string;
  if ('token' in source) token = source.token.trim();
  else {
    try {
      token = (await readFile(source.tokenFile, 'utf8')).trim();
    } catch (err) {
      throw invalidError(`${source.tokenFile}: cannot read the token file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const where = 'token' in source ? 'the token' : source.tokenFile;
  if (token === '') throw invalidError(`${where}: the token is empty`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw invalidError(`${where}: a token is printable ASCII without spaces`);
  return token;
}
