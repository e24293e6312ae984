/**
 * `go-registry tokens list|create|revoke --owner O`: an owner's tokens, through the admin
 * API (PUT/DELETE /api/admin/owners/{owner}/tokens/{name}) — the registry makes tokens only
 * there, so these need the admin token (GOREGISTRY_TOKEN, or `login` with it). A created
 * token is printed once, or with --save stored in the credentials file and not printed.
 */
import type { Command } from 'commander';
import { authError, usageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { credentialFor } from '../credentials.js';
import { configPath, saveCredential } from '../credential-store.js';
import { registryBase, registryRequest, requireSuccess } from '../registry-client.js';
import { ownerEndpoint } from '../url-prefix.js';

interface TokensOptions {
  registry?: string;
  owner?: string;
  json?: boolean;
  config?: string;
  scopes?: string;
  expires?: string;
  save?: boolean;
}

interface TokenView {
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt?: string;
  expiresAt?: string;
  token?: string;
}

async function adminCall(method: string, path: string, options: TokensOptions, io: CliIo, json?: unknown) {
  const { base, owner: ownerOfUrl } = registryBase(options.registry, io.env);
  const owner = options.owner ?? ownerOfUrl;
  if (!owner) throw usageError('which owner? use --owner');
  const credential = await credentialFor(`${base}/api/admin`, io.env, io.stderrLine, options.config);
  if (!credential) throw authError(`the tokens commands use the admin API and need the admin token: set GOREGISTRY_TOKEN, or go-registry login with it`);
  const url = `${base}/api/admin/owners/${encodeURIComponent(owner)}${path}`;
  const answer = requireSuccess(await registryRequest(method, url, { token: credential.token, json, env: io.env }), `${method} ${url}`);
  return { base, owner, body: answer.body };
}

const line = (t: TokenView) =>
  `${t.name}\t${t.scopes.join(',')}\tcreated ${t.createdAt}${t.lastUsedAt ? `\tlast used ${t.lastUsedAt}` : ''}${t.expiresAt ? `\texpires ${t.expiresAt}` : ''}\n`;

export function registerTokens(program: Command, io: CliIo): void {
  const tokens = program
    .command('tokens')
    .description("list, create and revoke an owner's tokens (admin API: needs the admin token)")
    .addHelpText('after', '\nExamples:\n  go-registry tokens list --owner acme\n  go-registry tokens create ci --owner acme --scopes read,write --expires 2027-01-01T00:00:00Z\n  go-registry tokens revoke ci --owner acme');
  const common = (c: Command) =>
    c
      .option('--registry <url>', 'registry URL (default: $GOREGISTRY_URL)')
      .option('--owner <owner>', 'the owner whose tokens these are')
      .option('--json', 'print the result as JSON')
      .option('--config <file>', 'credentials file');
  common(tokens.command('list').description("an owner's tokens (names, scopes, dates; never secrets)")).action(async (options: TokensOptions) => {
    const { body } = await adminCall('GET', '', options, io);
    const list = (JSON.parse(body) as { tokens: TokenView[] }).tokens;
    if (options.json) io.stdout(JSON.stringify(list, null, 2) + '\n');
    else for (const t of list) io.stdout(line(t));
  });
  common(tokens.command('create').description('create a token; its secret is printed once (or stored with --save)').argument('<name>'))
    .option('--scopes <list>', 'comma-separated: read, write', 'read')
    .option('--expires <date>', 'expiry, an ISO 8601 date-time')
    .option('--save', 'store the new token in the credentials file for the owner endpoint instead of printing it')
    .action(async (name: string, options: TokensOptions) => {
      const body = { scopes: (options.scopes ?? 'read').split(',').map((s) => s.trim()).filter(Boolean), ...(options.expires ? { expiresAt: options.expires } : {}) };
      const { base, owner, body: answer } = await adminCall('PUT', `/tokens/${encodeURIComponent(name)}`, options, io, body);
      const view = JSON.parse(answer) as TokenView;
      if (options.save && view.token) {
        const prefix = ownerEndpoint(base, owner);
        await saveCredential(options.config ?? configPath(io.env), prefix, { token: view.token });
        delete view.token;
        io.stderrLine(`stored token "${name}" for ${prefix}`);
      }
      if (options.json) io.stdout(JSON.stringify(view, null, 2) + '\n');
      else io.stdout(line(view) + (view.token ? `${view.token}\n` : ''));
    });
  common(tokens.command('revoke').description('revoke (delete) a token; it is refused from the next request on').argument('<name>')).action(async (name: string, options: TokensOptions) => {
    const { owner } = await adminCall('DELETE', `/tokens/${encodeURIComponent(name)}`, options, io);
    if (options.json) io.stdout(JSON.stringify({ owner, revoked: name }) + '\n');
    else io.stdout(`revoked ${owner}/${name}\n`);
  });
}
