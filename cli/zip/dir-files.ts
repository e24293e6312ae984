/**
 * The files of a module folder, as x/mod/zip listFilesInDir walks it for CreateFromDir:
 * names in byte order, no symbolic link followed (lstat), VCS folders (.bzr, .git, .hg,
 * .svn) and nested modules (a subfolder with a go.mod) left out whole, vendored packages
 * and non-regular files left out one by one. checkFiles (module-files.ts) then applies
 * the name and size rules to what remains.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { goLangOfGoMod, isVendoredPackage, OMIT, type FileProblem, type ModuleFile } from './module-files.js';

const VCS_DIRS = new Set(['.bzr', '.git', '.hg', '.svn']);

export interface ListedFiles {
  files: ModuleFile[];
  omitted: FileProblem[];
}

export async function filesInDir(dir: string): Promise<ListedFiles> {
  let lang: [number, number] | undefined;
  try {
    lang = goLangOfGoMod(await readFile(path.join(dir, 'go.mod')));
  } catch {
    lang = undefined;
  }
  const listed: ListedFiles = { files: [], omitted: [] };
  await walk(dir, '', lang, listed);
  return listed;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function walk(dir: string, rel: string, lang: [number, number] | undefined, listed: ListedFiles): Promise<void> {
  const names = (await readdir(path.join(dir, rel))).sort(byteOrder);
  for (const name of names) {
    const slashPath = rel === '' ? name : `${rel}/${name}`;
    const filePath = path.join(dir, slashPath);
    const info = await lstat(filePath);
    if (isVendoredPackage(slashPath, lang)) {
      listed.omitted.push({ path: slashPath, rule: OMIT.vendored });
      // go's walk goes on into such a folder, where every file is vendored too.
      continue;
    }
    if (info.isDirectory()) {
      if (VCS_DIRS.has(name)) {
        listed.omitted.push({ path: slashPath, rule: OMIT.vcs });
        continue;
      }
      const goMod = await lstat(path.join(filePath, 'go.mod')).catch(() => undefined);
      if (goMod && !goMod.isDirectory()) {
        listed.omitted.push({ path: slashPath, rule: OMIT.submoduleDir });
        continue;
      }
      await walk(dir, slashPath, lang, listed);
      continue;
    }
    if (!info.isFile()) {
      listed.omitted.push({ path: slashPath, rule: info.isSymbolicLink() ? OMIT.symlink : OMIT.notRegular });
      continue;
    }
    listed.files.push({
      path: slashPath,
      kind: 'file',
      size: info.size,
      open: () => createReadStream(filePath),
      read: () => readFile(filePath),
    });
  }
}
