/**
 * Builds the Dockerfile's stages in folders, without a Docker engine: each stage's root is a
 * folder; WORKDIR, ENV, COPY (from the context or --from a stage) and the RUN lines of the
 * build stages are carried out there. The final stage's RUN lines set up the image's user
 * (groupadd, useradd, chown) and are returned, not run: they would change this machine.
 * Only the instructions our Dockerfile uses are understood; anything else is an error.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BuiltImage {
  /** The final stage's root folder: what the image's filesystem holds. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  cmd: string[];
  /** RUN lines of the final stage, not carried out. */
  skipped: string[];
}

/** The Dockerfile's logical lines: continuations joined, comments and blanks dropped. */
export function instructions(text: string): { op: string; args: string }[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

export async function buildStages(context: string, dockerfile: string, out: string): Promise<BuiltImage> {
  const stages = new Map<string, string>();
  let root = '';
  let workdir = '/';
  let env: Record<string, string> = {};
  let user: string | undefined;
  let cmd: string[] = [];
  let skipped: string[] = [];
  const all = instructions(await readFile(dockerfile, 'utf8'));
  const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
  for (const [index, { op, args }] of all.entries()) {
    const at = (p: string) => path.join(root, p.startsWith('/') ? p : path.join(workdir, p));
    switch (op) {
      case 'FROM': {
        const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage-${stages.size}`;
        root = path.join(out, name);
        await mkdir(root, { recursive: true });
        stages.set(name, root);
        [workdir, env, user, cmd, skipped] = ['/', {}, undefined, [], []];
        break;
      }
      case 'WORKDIR':
        workdir = args;
        await mkdir(at('.'), { recursive: true });
        break;
      case 'ENV':
        for (const m of args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
        break;
      case 'COPY': {
        const parts = args.split(/\s+/);
        const from = parts[0]!.startsWith('--from=') ? stages.get(parts.shift()!.slice('--from='.length)) : undefined;
        const dest = parts.pop()!;
        for (const src of parts) {
          const source = from ? path.join(from, src) : path.join(context, src);
          const target = dest.endsWith('/') ? path.join(at(dest), path.basename(src)) : at(dest);
          await cp(source, target, { recursive: true });
        }
        break;
      }
      case 'RUN': {
        const command = args.replace(/^(--mount=\S+\s+)+/, '');
        if (index > lastFrom) {
          skipped.push(command);
          break;
        }
        await run('sh', ['-c', command], { cwd: at('.'), env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
        break;
      }
      case 'USER':
        user = args;
        break;
      case 'CMD':
        cmd = JSON.parse(args) as string[];
        break;
      case 'VOLUME':
      case 'EXPOSE':
        break;
      default:
        throw new Error(`Dockerfile instruction ${op} is not understood by this builder`);
    }
  }
  return { root, workdir, env, user, cmd, skipped };
}
