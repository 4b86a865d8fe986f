/**
 * The one error type of src/nir: it names the file, where in it (a NIR node path such as
 * `node/nodes/lif1` or an HDF5 path), the problem and the fix, and is user-facing, so the CLI
 * prints it as one line (src/cli/fatal.ts) instead of a stack trace.
 */
export class NirError extends Error {
  readonly userFacing = true;
  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${file}: ${where === "" ? "" : `${where}: `}${problem}. Fix: ${fix}`);
    this.name = "NirError";
  }
}
