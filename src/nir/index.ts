/**
 * NIR files (Neuromorphic Intermediate Representation, neuromorphs/NIR) ⇄ spikenode models.
 * Depends on src/snn only; nothing below it depends on this room.
 *
 *   readNir(file, { timeoutMs? }): Promise<NirGraph>   HDF5 read in a worker with a time limit,
 *                                                      sub-graphs flattened (graph.ts)
 *   importNir(graph, { dt?, timesteps?, name? }): { spec, weights, model }   (import.ts)
 *   loadNirModel(file, options): Promise<Model>        both in one
 *   writeNir(model, file) / modelToNir(model)       export, exact kinds only (export.ts)
 *   NirError                                           user-facing: file, node path, problem, fix
 */
import { readHdf5Tree, type ReadOptions } from "./read-file.js";
import { parseNirTree, type NirGraph } from "./graph.js";
import { importNir, type ImportOptions, type Imported } from "./import.js";

export { NirError } from "./errors.js";
export { DEFAULT_DT, DEFAULT_TIMESTEPS, SUPPORTED_TYPES, importNir } from "./import.js";
export type { ImportOptions, Imported } from "./import.js";
export { modelToNir, writeNir } from "./export.js";
export type { NirGraph, NirNode, NirValue } from "./graph.js";

export async function readNir(file: string, options: ReadOptions = {}): Promise<NirGraph> {
  return parseNirTree(await readHdf5Tree(file, options), file);
}

export async function importNirFile(
  file: string,
  options: ImportOptions & ReadOptions = {},
): Promise<Imported> {
  return importNir(await readNir(file, options), options);
}
