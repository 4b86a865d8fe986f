/**
 * Where a model comes from: a model directory (or its model.json), or a NIR file (`.nir`,
 * imported on the fly at `dt`, default 1e-4 s). The one loader every command that takes
 * `--model` and the stream worker (run, replay, the ROS node) use, so a `.nir` file works
 * wherever a model directory does. It lives here, beside the importer, because the worker in
 * src/stream may not import src/cli.
 */
import type { Model } from "../snn/index.js";

export const isNirPath = (p: string): boolean => /\.nir$/i.test(p);

export interface ModelSourceOptions {
  /** dt for a NIR file (seconds); ignored for a model directory, whose model.json has one. */
  dt?: number;
  /** presentation.timesteps for a NIR file. */
  timesteps?: number;
}

export async function loadModelFrom(
  path: string,
  options: ModelSourceOptions = {},
): Promise<Model> {
  if (isNirPath(path)) {
    const { importNirFile } = await import("./index.js");
    return (await importNirFile(path, options)).model;
  }
  const { loadModel } = await import("../snn/index.js");
  return loadModel(path);
}
