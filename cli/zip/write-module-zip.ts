/**
 * Builds a module zip from checked files, as x/mod/zip Create writes one — entries
 * `{module}@{version}/{file}` in the order listed, deflated, no directory entries — with
 * yazl, streaming one file at a time into a temp file, and then checks that file with the
 * registry's own upload check (registry/upload/module-zip-check.ts), which also gives its
 * h1: hash: what the server would refuse is refused here first, by the same code.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { DomainError } from '../../registry/domain/domain-error.js';
import { checkModuleVersion } from '../../registry/domain/module-path.js';
import { canonical } from '../../registry/domain/go-semver.js';
import { checkModuleZip, type CheckedModuleZip } from '../../registry/upload/module-zip-check.js';
import { invalidError } from '../cli-error.js';
import type { CheckedFiles } from './module-files.js';

/** Zip entries carry a fixed time, so that the same files give the same bytes. */
const ZIP_TIME = new Date(Date.UTC(2000, 0, 1));

export interface BuiltZip extends CheckedModuleZip {
  file: string;
  size: number;
  remove(): Promise<void>;
}

/** The problems of a checked file set as one message, one `file: rule` line each, as go reports them. */
export function problemsOf(checked: CheckedFiles): string | undefined {
  if (checked.sizeError) return checked.sizeError;
  if (checked.invalid.length === 0) return undefined;
  return `invalid module files:\n${checked.invalid.map((p) => `  ${p.path}: ${p.rule}`).join('\n')}`;
}

export function checkModuleAndVersion(modulePath: string, version: string): void {
  if (canonical(version) !== version) throw invalidError(`version ${JSON.stringify(version)} is not canonical (should be ${JSON.stringify(canonical(version) || 'vX.Y.Z')})`);
  const problem = checkModuleVersion(modulePath, version);
  if (problem) throw invalidError(problem);
}

export async function writeModuleZip(modulePath: string, version: string, checked: CheckedFiles): Promise<BuiltZip> {
  checkModuleAndVersion(modulePath, version);
  const problems = problemsOf(checked);
  if (problems) throw invalidError(problems);
  const temp = await mkdtemp(path.join(os.tmpdir(), 'go-registry-zip-'));
  const remove = () => rm(temp, { recursive: true, force: true });
  const file = path.join(temp, `${version}.zip`);
  try {
    const zip = new yazl.ZipFile();
    const prefix = `${modulePath}@${version}/`;
    for (const f of checked.valid) {
      zip.addReadStreamLazy(prefix + f.path, { mtime: ZIP_TIME, mode: 0o100644, size: f.size }, (cb) => {
        (async () => f.open())().then(
          (stream) => cb(null, stream),
          (err: unknown) => cb(err, undefined as never),
        );
      });
    }
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(file));
    const result = await checkModuleZip(file);
    const { size } = await stat(file);
    return { ...result, file, size, remove };
  } catch (err) {
    await remove();
    if (err instanceof DomainError) throw invalidError(err.message);
    if (/size/i.test((err as Error).message)) throw invalidError(`a file changed while it was zipped: ${(err as Error).message}`);
    throw err;
  }
}
