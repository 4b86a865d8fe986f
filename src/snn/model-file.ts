/**
 * Model files on disk: `<dir>/model.json` beside the weights file it names. The only I/O in
 * src/snn; everything it reads goes through the pure `parseModel`.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ModelError, parseModel, parseSpec } from "./model.js";
import type { Model } from "./model.js";

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === "ENOENT";

/** Load `<dir>/model.json` (or a model.json path) and its weights file. */
export async function loadModel(dirOrFile: string): Promise<Model> {
  const file = modelJsonPath(dirOrFile);
  const text = await readFile(file, "utf8").catch((err: unknown) => {
    throw jsonReadError(file, err);
  });
  const { json, weightsPath, weightsFile } = specOf(file, text);
  const bytes = await readFile(weightsPath).catch((err: unknown) => {
    throw weightsReadError(file, weightsFile, err);
  });
  return parseModel(json, bytes, file);
}

/**
 * loadModel without waiting: for callers that must answer at once (a ROS lifecycle node's
 * configure callback, which rclnodejs runs synchronously). Same checks, same errors.
 */
export function loadModelSync(dirOrFile: string): Model {
  const file = modelJsonPath(dirOrFile);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw jsonReadError(file, err);
  }
  const { json, weightsPath, weightsFile } = specOf(file, text);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(weightsPath);
  } catch (err) {
    throw weightsReadError(file, weightsFile, err);
  }
  return parseModel(json, bytes, file);
}

function modelJsonPath(dirOrFile: string): string {
  return dirOrFile.endsWith(".json") ? dirOrFile : path.join(dirOrFile, "model.json");
}

function jsonReadError(file: string, err: unknown): ModelError {
  return new ModelError(
    file,
    "",
    isMissing(err) ? "no such file" : `cannot be read (${(err as Error).message})`,
    "pass a model directory that holds model.json (see models/FORMAT.md)",
  );
}

function weightsReadError(file: string, weightsFile: string, err: unknown): ModelError {
  return new ModelError(
    file,
    "weights.file",
    isMissing(err)
      ? `"${weightsFile}" does not exist next to model.json`
      : `"${weightsFile}" cannot be read (${(err as Error).message})`,
    "put the weights file beside model.json or correct weights.file",
  );
}

function specOf(
  file: string,
  text: string,
): { json: unknown; weightsPath: string; weightsFile: string } {
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
  return {
    json,
    weightsPath: path.resolve(path.dirname(file), spec.weights.file),
    weightsFile: spec.weights.file,
  };
}
