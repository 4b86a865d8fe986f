/** Errors of the node, shared by its core and its rcl shell. */

/** A startup problem the user can fix (bad parameter, missing model, missing message types). */
export class NodeStartError extends Error {
  readonly userFacing = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NodeStartError";
  }
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Log lines of one key at most once per `everyMs` (a camera at 30 Hz must not flood the log). */
export class ThrottledLog {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly clock: () => number,
    private readonly everyMs: number,
  ) {}

  /** Calls `write(line)` unless a line of this key was written less than everyMs ago. */
  write(key: string, line: string, write: (line: string) => void): void {
    const now = this.clock();
    const last = this.last.get(key);
    if (last !== undefined && now - last < this.everyMs) return;
    this.last.set(key, now);
    write(line);
  }
}
