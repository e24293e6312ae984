/**
 * `go-registry publish [dir] --version vX.Y.Z`: zips a module folder (or, with --from-git,
 * a tag's files) exactly as `go` does, checks the zip with the registry's upload rules,
 * prints its h1: hash, and uploads it (PUT {registry}/api/packages/{owner}/go/upload).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { authError, CliError, EXIT, usageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { credentialFor } from '../credentials.js';
import { moduleSource } from '../module-source.js';
import { progressReporter } from '../progress.js';
import { registryBase, registryRequest, requireSuccess } from '../registry-client.js';
import { ownerEndpoint } from '../url-prefix.js';
import { checkFiles, type FileProblem } from '../zip/module-files.js';
import { writeModuleZip, type BuiltZip } from '../zip/write-module-zip.js';

interface PublishOptions {
  version?: string;
  module?: string;
  owner?: string;
  registry?: string;
  fromGit?: string;
  dryRun?: boolean;
  json?: boolean;
  progress?: boolean;
  config?: string;
}

interface Built {
  zip: BuiltZip;
  files: string[];
  omitted: FileProblem[];
}

async function build(dir: string, options: PublishOptions): Promise<Built> {
  const source = await moduleSource(dir, options);
  try {
    const checked = await checkFiles(source.files);
    const zip = await writeModuleZip(source.modulePath, source.version, checked);
    return { zip, files: checked.valid.map((f) => f.path), omitted: [...source.omitted, ...checked.omitted] };
  } finally {
    await source.close();
  }
}

async function upload(built: Built, options: PublishOptions, io: CliIo): Promise<unknown> {
  const { base, owner: ownerOfUrl } = registryBase(options.registry, io.env);
  const owner = options.owner ?? ownerOfUrl;
  if (!owner) throw usageError('which owner? use --owner (or an owner endpoint URL as --registry / GOREGISTRY_URL)');
  const endpoint = ownerEndpoint(base, owner);
  const credential = await credentialFor(endpoint, io.env, io.stderrLine, options.config);
  if (!credential) throw authError(`no token for ${endpoint}: set GOREGISTRY_TOKEN, run go-registry login, or add it to ~/.netrc`);
  const showProgress = options.progress ?? io.stderrIsTty;
  const onProgress = showProgress ? progressReporter(built.zip.size, io.stderrIsTty, (t) => io.stderrLine(t.replace(/\n$/, ''))) : undefined;
  const answer = await registryRequest('PUT', `${endpoint}/upload`, {
    token: credential.token,
    upload: { file: built.zip.file, size: built.zip.size, ...(onProgress ? { onProgress } : {}) },
    env: io.env,
  });
  requireSuccess(answer, `upload to ${endpoint} (token from ${credential.from})`);
  const published = JSON.parse(answer.body) as { zipHash?: string };
  // The registry hashes what it received: the same bytes, or something between us changed them.
  if (published.zipHash !== built.zip.zipHash) {
    throw new CliError(EXIT.unavailable, `the registry stored ${published.zipHash ?? 'no hash'} for the upload, not ${built.zip.zipHash}`);
  }
  return published;
}

function report(built: Built, published: unknown, options: PublishOptions, io: CliIo): void {
  const { modulePath, version, zipHash, goModHash, size } = built.zip;
  if (options.json) {
    const view = { module: modulePath, version, hash: zipHash, goModHash, zipSize: size, files: built.files, omitted: built.omitted, published: published ?? null };
    io.stdout(JSON.stringify(view, null, 2) + '\n');
    return;
  }
  if (options.dryRun) {
    for (const f of built.files) io.stdout(`${f}\n`);
    for (const o of built.omitted) io.stdout(`omitted ${o.path}: ${o.rule}\n`);
  }
  io.stdout(`${modulePath} ${version} ${zipHash}\n${modulePath} ${version}/go.mod ${goModHash}\n`);
  io.stdout(published ? `published ${modulePath}@${version} (${built.files.length} files, ${size} bytes)\n` : `dry run: ${built.files.length} files, ${size} bytes, not uploaded\n`);
}

export function registerPublish(program: Command, io: CliIo): void {
  program
    .command('publish')
    .description('zip a module exactly as go does, check it with the registry\'s rules, print its h1: hash and upload it')
    .argument('[dir]', 'the module folder (the one with go.mod)', '.')
    .option('--version <version>', 'the version to publish, vX.Y.Z (with --from-git: taken from the tag)')
    .option('--module <path>', 'module path, for a module without go.mod (default: go.mod\'s module directive)')
    .option('--owner <owner>', 'registry owner to publish to (default: from an owner endpoint URL in --registry)')
    .option('--registry <url>', 'registry URL, https://go.example.com or an owner endpoint …/api/packages/{owner}/go (default: $GOREGISTRY_URL)')
    .option('--from-git <tag>', "zip the tag's committed files (not the working tree); version from the tag (vX.Y.Z, or sub/dir/vX.Y.Z for a module in sub/dir)")
    .option('--dry-run', 'check and list the files and the hash; upload nothing')
    .option('--json', 'print the result as JSON')
    .option('--progress', 'show upload progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show upload progress')
    .option('--config <file>', 'credentials file (default: $GOREGISTRY_CONFIG or $XDG_CONFIG_HOME/go-registry/credentials.json)')
    .addHelpText(
      'after',
      `
Credentials: GOREGISTRY_TOKEN, GOREGISTRY_TOKEN_FILE, the credentials file (go-registry login), ~/.netrc.
Examples:
  go-registry publish --version v1.2.0 --registry https://go.example.com --owner acme
  go-registry publish ./sub/mod --from-git sub/mod/v0.3.1 --registry https://go.example.com/api/packages/acme/go
  go-registry publish --version v1.2.0 --dry-run`,
    )
    .action(async (dir: string, options: PublishOptions) => {
      const built = await build(path.resolve(io.cwd, dir), options);
      try {
        const published = options.dryRun ? undefined : await upload(built, options, io);
        report(built, published, options, io);
      } finally {
        await built.zip.remove();
      }
    });
}
