/**
 * `go-registry whoami`: who the registry takes each of your credentials for — the one the
 * environment gives (GOREGISTRY_TOKEN, GOREGISTRY_TOKEN_FILE), or with --owner the one publish
 * would use, or else every credential the file stores for this registry.
 */
import type { Command } from 'commander';
import { authError, CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { credentialFor, type Credential } from '../credentials.js';
import { configPath, readConfig, tokenOf } from '../credential-store.js';
import { registryBase } from '../registry-client.js';
import { ownerEndpoint, prefixCovers } from '../url-prefix.js';
import { describePrincipal, whoamiOf, type WhoamiAnswer } from '../whoami-client.js';

interface WhoamiOptions {
  registry?: string;
  owner?: string;
  json?: boolean;
  config?: string;
}

async function credentialsToAsk(base: string, owner: string | undefined, options: WhoamiOptions, io: CliIo): Promise<{ prefix: string; credential: Credential }[]> {
  const file = options.config ?? configPath(io.env);
  if (owner || io.env.GOREGISTRY_TOKEN || io.env.GOREGISTRY_TOKEN_FILE) {
    const url = owner ? ownerEndpoint(base, owner) : base;
    const credential = await credentialFor(url, io.env, io.stderrLine, file);
    return credential ? [{ prefix: url, credential }] : [];
  }
  const stored = Object.entries((await readConfig(file, io.stderrLine)).credentials).filter(([prefix]) => prefixCovers(base, prefix) || prefixCovers(prefix, base));
  return Promise.all(stored.map(async ([prefix, source]) => ({ prefix, credential: { token: await tokenOf(source), from: `${file} (${prefix})` } })));
}

export function registerWhoami(program: Command, io: CliIo): void {
  program
    .command('whoami')
    .description('ask the registry which owner, token name and scopes your credentials stand for')
    .option('--registry <url>', 'registry URL (default: $GOREGISTRY_URL)')
    .option('--owner <owner>', 'only the credential publish would use for this owner')
    .option('--json', 'print the result as JSON')
    .option('--config <file>', 'credentials file (default: $GOREGISTRY_CONFIG or $XDG_CONFIG_HOME/go-registry/credentials.json)')
    .action(async (options: WhoamiOptions) => {
      const { base, owner: ownerOfUrl } = registryBase(options.registry, io.env);
      const asks = await credentialsToAsk(base, options.owner ?? ownerOfUrl, options, io);
      if (asks.length === 0) throw authError(`no credential for ${base}: run go-registry login, or set GOREGISTRY_TOKEN`);
      const results: { prefix: string; from: string; principal?: WhoamiAnswer; error?: string }[] = [];
      let failure: CliError | undefined;
      for (const { prefix, credential } of asks) {
        try {
          results.push({ prefix, from: credential.from, principal: await whoamiOf(base, credential.token, io.env) });
        } catch (err) {
          if (!(err instanceof CliError)) throw err;
          failure ??= err;
          results.push({ prefix, from: credential.from, error: err.message });
        }
      }
      if (options.json) io.stdout(JSON.stringify(results, null, 2) + '\n');
      else for (const r of results) io.stdout(`${r.prefix}: ${r.principal ? describePrincipal(r.principal) : `refused: ${r.error}`} (from ${r.from})\n`);
      if (failure) throw new CliError(failure.exitCode, `${results.filter((r) => r.error).length} of ${results.length} credentials refused`);
    });
}
