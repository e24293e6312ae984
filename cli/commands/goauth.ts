/**
 * `go-registry goauth [url]`: a GOAUTH command for Go 1.24+ (`go help goauth`).
 *
 * go runs it once with no argument before its first HTTPS fetch, and again with the URL
 * as last argument (and the 4xx response on stdin, which this command does not need) when
 * a fetch was refused. It prints credential sets — URL lines, a blank line, header lines,
 * a blank line — and go sends each set's headers to URLs under its prefixes, the longest
 * prefix winning: so each owner endpoint can have its own token, which .netrc (host only)
 * cannot do.
 *
 * Sources, all re-read on every call (a projected ServiceAccount token rotates):
 *   the credentials file (credential-store.ts), every prefix in it;
 *   GOREGISTRY_TOKEN or GOREGISTRY_TOKEN_FILE (or --token-file), for the prefixes in
 *   GOREGISTRY_URL (or --prefix) only — never for whatever URL go asks about, which may be
 *   another host.
 */
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import { configPath, readConfig, tokenOf, type CredentialsConfig, type TokenSource } from '../credential-store.js';
import { isGoauthPrefix, prefixCovers, prefixKey } from '../url-prefix.js';
import type { CliIo } from '../cli-io.js';

export interface GoauthOptions {
  prefix?: string[];
  tokenFile?: string;
  config?: string;
}

/** The prefixes GOREGISTRY_URL / --prefix name, and the token source the environment gives them. */
export function environmentSources(options: GoauthOptions, env: NodeJS.ProcessEnv): Map<string, TokenSource> {
  const prefixes = options.prefix?.length ? options.prefix : (env.GOREGISTRY_URL ?? '').split(/[\s,]+/).filter(Boolean);
  const tokenFile = options.tokenFile ?? env.GOREGISTRY_TOKEN_FILE;
  const source: TokenSource | undefined = tokenFile ? { tokenFile } : env.GOREGISTRY_TOKEN ? { token: env.GOREGISTRY_TOKEN } : undefined;
  const sources = new Map<string, TokenSource>();
  if (!source) {
    if (options.prefix?.length) throw usageError('--prefix needs a token: --token-file, GOREGISTRY_TOKEN_FILE or GOREGISTRY_TOKEN');
    return sources;
  }
  if (prefixes.length === 0) {
    throw usageError('GOREGISTRY_TOKEN / GOREGISTRY_TOKEN_FILE need GOREGISTRY_URL (or --prefix): the URL prefix the token is for, e.g. https://go.example.com/api/packages/acme/go');
  }
  for (const prefix of prefixes) {
    prefixKey(prefix);
    sources.set(prefix, source);
  }
  return sources;
}

/** The GOAUTH response: one credential set per prefix, for every prefix (no url) or those covering url. */
export async function goauthResponse(options: GoauthOptions, env: NodeJS.ProcessEnv, url: string | undefined, warn: (line: string) => void): Promise<string> {
  const config: CredentialsConfig = await readConfig(options.config ?? configPath(env), warn);
  // The environment's prefixes come last so that they win over the file's for the same prefix.
  const all = new Map<string, TokenSource>(Object.entries(config.credentials));
  for (const [prefix, source] of environmentSources(options, env)) all.set(prefix, source);
  const chosen = [...all.entries()].filter(([prefix]) => isGoauthPrefix(prefix) && (url === undefined || prefixCovers(prefix, url)));
  const blocks: string[] = [];
  for (const [prefix, source] of chosen) {
    try {
      blocks.push(`https://${prefixKey(prefix)}\n\nAuthorization: Bearer ${await tokenOf(source)}\n\n`);
    } catch (err) {
      // go tries its other GOAUTH sources; the reason shows with go -x.
      warn(`go-registry goauth: ${prefix}: ${(err as Error).message}`);
    }
  }
  return blocks.join('');
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerGoauth(program: Command, io: CliIo): void {
  program
    .command('goauth')
    .description("GOAUTH command for Go 1.24+: GOAUTH='go-registry goauth' prints a Bearer token per URL prefix")
    .argument('[url]', 'the URL go was refused for (go appends it on its second call)')
    .option('--prefix <url>', 'URL prefix the --token-file / GOREGISTRY_TOKEN is for, repeatable (default: $GOREGISTRY_URL)', collect, [])
    .option('--token-file <file>', 'read the token from this file on every call, e.g. a projected ServiceAccount token (default: $GOREGISTRY_TOKEN_FILE)')
    .option('--config <file>', 'credentials file (default: $GOREGISTRY_CONFIG or $XDG_CONFIG_HOME/go-registry/credentials.json)')
    .addHelpText(
      'after',
      `
Output, per prefix (go help goauth):
  https://go.example.com/api/packages/acme/go
  <blank>
  Authorization: Bearer <token>
  <blank>

Examples:
  GOAUTH='go-registry goauth' GOPROXY=https://go.example.com/api/packages/acme/go go mod download
  GOAUTH='go-registry goauth --token-file /var/run/secrets/tokens/go-registry --prefix https://go.example.com'`,
    )
    .action(async (url: string | undefined, options: GoauthOptions) => {
      io.stdout(await goauthResponse(options, io.env, url, io.stderrLine));
    });
}
