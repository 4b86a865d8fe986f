/**
 * Finding and checking a model directory before the pipeline loads it. This runs inside the
 * parameter callback, which rclnodejs calls synchronously, so it checks synchronously: it
 * parses model.json and its weights as the engine's loader does (parseModel: schema, every
 * tensor's shape against its layer, the weights' size), so a bad `model` value is refused with
 * its reason while the node keeps the model it has, rather than failing later in the worker.
 * That costs reading the weights once (about 8 ms for the shipped 20 MB model, 40 ms cold).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseModel } from "../snn/model.js";
import { ModelSpec } from "../snn/model-spec.js";

export interface ModelInfo {
  /** Absolute directory holding model.json and the weights file, or the absolute .nir file. */
  dir: string;
  /** The model file's spec; absent for a NIR file, which the pipeline's worker imports. */
  spec?: ModelSpec;
}

/** HDF5's signature (a NIR file is HDF5), at offset 0 as nir.write leaves it. */
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A `.nir` value: the file must exist and be HDF5. Reading the graph needs h5wasm in a worker
 * (asynchronous), so the rest is checked where the pipeline loads it; a file failing there
 * leaves the old model classifying and the parameter put back (pipeline-supervisor.ts).
 */
function resolveNirFile(name: string, searchDirs: string[]): ModelInfo | string {
  const candidates = isAbsolute(name)
    ? [name]
    : [resolve(name), ...searchDirs.map((d) => join(d, name))];
  const file = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!file) {
    return `model "${name}": no NIR file at ${candidates.join(" or ")}; set model to a .nir file (as nir.write saves it) or a model directory`;
  }
  const head = Buffer.alloc(8);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(HDF5_SIGNATURE)) {
    return `model "${name}": ${file} is not an HDF5 file, so not NIR; export the network with nir.write (or your framework's export_to_nir)`;
  }
  return { dir: resolve(file) };
}

/** The package root (holding models/ and package.json), from src/ros or dist/ros alike. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PACKAGE_MODELS_DIR = join(PACKAGE_ROOT, "models");

/**
 * A `model` value is a directory path, or the name of a directory under one of `searchDirs`
 * (by default the package's own models/, which the ament package installs beside the code).
 * Returns the model or a sentence saying what is wrong and what to set instead.
 */
export function resolveModel(
  value: string,
  searchDirs: string[] = [PACKAGE_MODELS_DIR],
): ModelInfo | string {
  const name = value.trim();
  if (name === "") {
    return `model is empty; set it to a model directory (holding model.json) or to the name of one under ${searchDirs.join(", ")}`;
  }
  if (/\.nir$/i.test(name)) return resolveNirFile(name, searchDirs);
  const candidates = isAbsolute(name)
    ? [name]
    : [resolve(name), ...searchDirs.map((d) => join(d, name))];
  const dir = candidates.find((c) => existsSync(join(c, "model.json")));
  if (!dir) {
    return `model "${name}": no model.json in ${candidates.join(" or ")}; set model to a model directory (holding model.json and its weights file) or to the name of one under ${searchDirs.join(", ")}`;
  }
  const file = join(dir, "model.json");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    return `model "${name}": ${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  const parsed = ModelSpec.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "(root)" : "(root)";
    return `model "${name}": ${file} is not a spikenode model file v1 (${where}: ${issue?.message ?? "invalid"})`;
  }
  const spec = parsed.data;
  const weights = join(dir, spec.weights.file);
  if (!existsSync(weights)) {
    return `model "${name}": its weights file ${weights} is missing`;
  }
  const size = statSync(weights).size;
  if (size !== spec.weights.bytes) {
    return `model "${name}": ${weights} has ${size} bytes where model.json says ${spec.weights.bytes}; the files do not belong together`;
  }
  try {
    parseModel(json, readFileSync(weights), dir);
  } catch (err) {
    return `model "${name}" cannot be loaded: ${err instanceof Error ? err.message : String(err)}`;
  }
  return { dir: resolve(dir), spec };
}
