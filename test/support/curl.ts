/** curl, as the seeds use it for uploads. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CurlResult {
  status: number;
  body: string;
  contentType: string;
}

/** Runs curl with args and returns the status, body and content type. */
export async function curl(args: string[]): Promise<CurlResult> {
  const marker = '\n--curl-meta--';
  const { stdout } = await run('curl', ['--silent', '--show-error', '--write-out', `${marker}%{http_code} %{content_type}`, ...args], {
    maxBuffer: 64 << 20,
  });
  const at = stdout.lastIndexOf(marker);
  const [status, ...type] = stdout.slice(at + marker.length).split(' ');
  return { status: Number(status), body: stdout.slice(0, at), contentType: type.join(' ') };
}

/** The seeds' upload line: curl --user name:token --upload-file file URL */
export const curlUpload = (url: string, owner: string, file: string, user: string) =>
  curl(['--user', user, '--upload-file', file, `${url}/api/packages/${owner}/go/upload`]);
