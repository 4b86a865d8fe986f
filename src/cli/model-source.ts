/**
 * Where a command's model comes from: a model directory (or its model.json), or a NIR file
 * (`.nir`, imported on the fly at `--dt`, default 1e-4 s). The one loader every command that
 * takes `--model` uses, so a `.nir` file works wherever a model directory does.
 */
import type { Model } from "../snn/index.js";

export const NIR_DT_HELP = "with a .nir model: the step NIR leaves open, in seconds (default 1e-4)";

export const isNirPath = (p: string): boolean => /\.nir$/i.test(p);

export interface ModelSourceOptions {
  /** dt for a NIR file (seconds). */
  dt?: number;
  /** presentation.timesteps for a NIR file. */
  timesteps?: number;
}

export async function loadModelFrom(
  path: string,
  options: ModelSourceOptions = {},
): Promise<Model> {
  if (isNirPath(path)) {
    const { importNirFile } = await import("../nir/index.js");
    return (await importNirFile(path, options)).model;
  }
  const { loadModel } = await import("../snn/index.js");
  return loadModel(path);
}

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
