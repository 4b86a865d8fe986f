/**
 * Errors a user caused (a missing file, a bad model) end the command with one clear line and a
 * non-zero exit; anything else is a bug and keeps its stack trace.
 */
/** The exit code of every usage or input error (README "Exit codes"); commander's too. */
export const USAGE_EXIT_CODE = 2;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = USAGE_EXIT_CODE,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** True for errors whose message is meant for the user (they name the input and the fix). */
export function isUserFacing(err: unknown): err is Error & { exitCode?: number } {
  return (
    err instanceof Error &&
    (err instanceof UserError || (err as { userFacing?: boolean }).userFacing === true)
  );
}

export function reportFatal(err: unknown): never {
  if (isUserFacing(err)) {
    process.stderr.write(`spikenode: ${err.message}\n`);
    process.exit(err.exitCode ?? USAGE_EXIT_CODE);
  }
  process.stderr.write(
    `spikenode: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(70);
}
