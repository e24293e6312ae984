/** What a command touches of the process, passed in so that unit tests run commands in-process. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderrLine: (line: string) => void;
  /** Whether stderr is a terminal (progress is shown only then, or with --progress). */
  stderrIsTty: boolean;
  /** Standard input as text, for `login --token-stdin`. */
  readStdin: () => Promise<string>;
}

export function processIo(): CliIo {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderrLine: (line) => process.stderr.write(line + '\n'),
    stderrIsTty: Boolean(process.stderr.isTTY),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
