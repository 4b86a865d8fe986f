/**
 * Where a command's model comes from: the one loader (src/nir/model-source.ts, which the stream
 * worker uses too), and the `--dt` option that goes with a `.nir` model.
 */
export { isNirPath, loadModelFrom, type ModelSourceOptions } from "../nir/model-source.js";

export const NIR_DT_HELP = "with a .nir model: the step NIR leaves open, in seconds (default 1e-4)";

/** `--dt S`: a positive number of seconds, or undefined. */
export async function dtOption(value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const dt = Number(value);
  if (value.trim() === "" || !Number.isFinite(dt) || dt <= 0) {
    const { UserError } = await import("./fatal.js");
    throw new UserError(`--dt ${value}: give the step in seconds, a number > 0 (e.g. 1e-4)`);
  }
  return dt;
}
