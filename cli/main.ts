#!/usr/bin/env node
/**
 * `go-registry`: publish modules zipped exactly as `go` zips them, and hand credentials
 * to `go` (GOAUTH) and to people at a terminal. Exit codes: cli-error.ts.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { CliError, EXIT } from './cli-error.js';
import { processIo, type CliIo } from './cli-io.js';

/** Runs the CLI on argv (without node and script); resolves the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      io.stderrLine(`go-registry: ${err.message}`);
      return err.exitCode;
    }
    io.stderrLine(`go-registry: ${(err as Error).stack ?? String(err)}`);
    return EXIT.unavailable;
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}
