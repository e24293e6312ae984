/** Runs the go-registry CLI in-process (runCli) with captured output, for unit tests of arguments and exit codes. */
import { runCli } from '../../cli/main.js';
import type { CliIo } from '../../cli/cli-io.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCliCaptured(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stdout: (text) => {
      stdout += text;
    },
    stderrLine: (line) => {
      stderr += line + '\n';
    },
    stderrIsTty: false,
    readStdin: async () => options.stdin ?? '',
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
