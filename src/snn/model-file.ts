/**
 * Model files on disk: `<dir>/model.json` beside the weights file it names. The only I/O in
 * src/snn; everything it reads goes through the pure `parseModel`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ModelError, parseModel, parseSpec } from "./model.js";
import type { Model } from "./model.js";

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === "ENOENT";

/** Load `<dir>/model.json` (or a model.json path) and its weights file. */
export async function loadModel(dirOrFile: string): Promise<Model> {
  const file = dirOrFile.endsWith(".json") ? dirOrFile : path.join(dirOrFile, "model.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ModelError(
      file,
      "",
      isMissing(err) ? "no such file" : `cannot be read (${(err as Error).message})`,
      "pass a model directory that holds model.json (see models/FORMAT.md)",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(
      file,
      "",
      `is not valid JSON (${(err as Error).message})`,
      "repair the JSON",
    );
  }
  const spec = parseSpec(json, file);
  const weightsPath = path.resolve(path.dirname(file), spec.weights.file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(weightsPath);
  } catch (err) {
    throw new ModelError(
      file,
      "weights.file",
      isMissing(err)
        ? `"${spec.weights.file}" does not exist next to model.json`
        : `"${spec.weights.file}" cannot be read (${(err as Error).message})`,
      "put the weights file beside model.json or correct weights.file",
    );
  }
  return parseModel(json, bytes, file);
}
