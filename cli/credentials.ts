/**
 * The token the CLI sends to a registry URL: GOREGISTRY_TOKEN, GOREGISTRY_TOKEN_FILE, the
 * credentials file's most specific prefix (the same file `goauth` reads), then ~/.netrc.
 */
import { configPath, readConfig, sourceFor, tokenOf } from './credential-store.js';
import { netrcPassword } from './netrc.js';

export interface Credential {
  token: string;
  /** Where it came from, for messages (never the value). */
  from: string;
}

export async function credentialFor(url: string, env: NodeJS.ProcessEnv, warn: (line: string) => void, configFile?: string): Promise<Credential | undefined> {
  if (env.GOREGISTRY_TOKEN) return { token: await tokenOf({ token: env.GOREGISTRY_TOKEN }), from: 'GOREGISTRY_TOKEN' };
  if (env.GOREGISTRY_TOKEN_FILE) return { token: await tokenOf({ tokenFile: env.GOREGISTRY_TOKEN_FILE }), from: env.GOREGISTRY_TOKEN_FILE };
  const file = configFile ?? configPath(env);
  const found = sourceFor(await readConfig(file, warn), url);
  if (found) return { token: await tokenOf(found.source), from: `${file} (${found.prefix})` };
  const password = await netrcPassword(url, env);
  return password ? { token: password, from: '.netrc' } : undefined;
}
