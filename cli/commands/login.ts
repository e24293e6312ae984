/**
 * `go-registry login`: reads a token (a hidden prompt, or stdin with --token-stdin), asks the
 * registry who it is, and stores it in the credentials file (mode 0600) under the owner's
 * endpoint — where publish and goauth find it — or, for the admin token, under {registry}/api/admin.
 * The token is never printed.
 */
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { configPath, saveCredential, tokenOf } from '../credential-store.js';
import { registryBase } from '../registry-client.js';
import { ownerEndpoint } from '../url-prefix.js';
import { describePrincipal, whoamiOf } from '../whoami-client.js';

interface LoginOptions {
  registry?: string;
  owner?: string;
  tokenStdin?: boolean;
  json?: boolean;
  config?: string;
}

/** A prompt on the terminal that does not echo what is typed (raw mode; Enter ends, Ctrl-C cancels). */
function promptHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) return Promise.reject(usageError('no terminal to prompt on: pipe the token with --token-stdin'));
  // Raw mode (no echo) before the prompt shows: what is typed after it is never echoed.
  stdin.setRawMode(true);
  stdin.resume();
  stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (then: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      then();
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(typed));
        if (ch === '\u0003') return finish(() => reject(usageError('cancelled')));
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

export function registerLogin(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('store a token for a registry owner (or the admin token) in the credentials file, after checking it with the registry')
    .option('--registry <url>', 'registry URL (default: $GOREGISTRY_URL)')
    .option('--owner <owner>', 'the owner the token must belong to (checked)')
    .option('--token-stdin', 'read the token from standard input instead of prompting')
    .option('--json', 'print the result as JSON')
    .option('--config <file>', 'credentials file (default: $GOREGISTRY_CONFIG or $XDG_CONFIG_HOME/go-registry/credentials.json)')
    .addHelpText('after', '\nExample:\n  printf %s "$TOKEN" | go-registry login --registry https://go.example.com --token-stdin')
    .action(async (options: LoginOptions) => {
      const { base, owner: ownerOfUrl } = registryBase(options.registry, io.env);
      const raw = options.tokenStdin ? await io.readStdin() : await promptHidden(`token for ${base}: `);
      const token = await tokenOf({ token: raw });
      const principal = await whoamiOf(base, token, io.env);
      const wanted = options.owner ?? ownerOfUrl;
      if (wanted && principal.owner !== wanted) throw usageError(`this is a ${describePrincipal(principal)}, not a token of owner ${wanted}`);
      const prefix = principal.kind === 'admin' ? `${base}/api/admin` : principal.owner ? ownerEndpoint(base, principal.owner) : base;
      const file = options.config ?? configPath(io.env);
      await saveCredential(file, prefix, { token });
      if (options.json) io.stdout(JSON.stringify({ prefix, config: file, principal }, null, 2) + '\n');
      else io.stdout(`logged in: ${describePrincipal(principal)}; stored for ${prefix} in ${file}\n`);
    });
}
