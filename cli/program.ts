/** The commander program: one register function per command file. */
import { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { registerGoauth } from './commands/goauth.js';
import { registerPublish } from './commands/publish.js';
import { registerLogin } from './commands/login.js';
import { registerTokens } from './commands/tokens.js';
import { registerWhoami } from './commands/whoami.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('go-registry')
    .description('Publish Go modules to a go-registry and hand its credentials to the go command')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderrLine(text.replace(/\n$/, '')) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok · 1 usage · 2 validation failed · 3 no or refused credentials · 4 registry refused (conflict,
not found, too large) · 5 registry unreachable or failing.`,
    );
  registerPublish(program, io);
  registerGoauth(program, io);
  registerLogin(program, io);
  registerWhoami(program, io);
  registerTokens(program, io);
  const inherit = (command: Command) => {
    command.exitOverride().configureOutput(program.configureOutput());
    command.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}
