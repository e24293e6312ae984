/**
 * The CLI's exit codes, one meaning each, so a script can branch on them
 * (README "Publishing with the CLI" lists them).
 */
export const EXIT = {
  ok: 0,
  /** Wrong arguments or options, or a missing setting. */
  usage: 1,
  /** The module (or a local file: config, token) failed a rule. */
  invalid: 2,
  /** No credential, or the registry refused it (401/403). */
  auth: 3,
  /** The registry refused the request: conflict, not found, too large, other 4xx. */
  refused: 4,
  /** The registry could not be reached, or answered 5xx. */
  unavailable: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one message and a documented exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);
export const invalidError = (message: string) => new CliError(EXIT.invalid, message);
export const authError = (message: string) => new CliError(EXIT.auth, message);
