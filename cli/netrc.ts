/**
 * ~/.netrc (or $NETRC), read as the go command reads it (cmd/go/internal/auth/netrc.go):
 * machine, login, password tokens; `default` and `macdef` end the useful part; the
 * machine is matched against the URL's host with its port.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface NetrcLine {
  machine: string;
  login: string;
  password: string;
}

export function parseNetrc(text: string): NetrcLine[] {
  const lines: NetrcLine[] = [];
  let current: Partial<NetrcLine> = {};
  let inMacro = false;
  for (const line of text.split('\n')) {
    if (inMacro) {
      if (line.trim() === '') inMacro = false;
      continue;
    }
    const words = line.trim().split(/\s+/).filter(Boolean);
    for (let i = 0; i < words.length - 1; i++) {
      const [key, value] = [words[i]!, words[i + 1]!];
      if (key === 'default') return lines;
      if (key === 'machine') current = { machine: value };
      else if (key === 'login') current.login = value;
      else if (key === 'password') current.password = value;
      else if (key === 'macdef') {
        inMacro = true;
        break;
      } else continue;
      i++;
      if (current.machine && current.login !== undefined && current.password !== undefined) {
        lines.push(current as NetrcLine);
        current = {};
      }
    }
  }
  return lines;
}

export function netrcPath(env: NodeJS.ProcessEnv): string {
  return env.NETRC || path.join(env.HOME || os.homedir(), '.netrc');
}

/** The password of the first machine line matching the URL's host[:port]. */
export async function netrcPassword(url: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(netrcPath(env), 'utf8');
  } catch {
    return undefined;
  }
  const host = new URL(url).host;
  return parseNetrc(text).find((l) => l.machine === host)?.password;
}
