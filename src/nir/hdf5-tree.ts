/**
 * An HDF5 file as a plain tree of groups and datasets (h5wasm), what the NIR reader parses.
 * It runs inside the reader's worker thread (read-worker.ts), never in the caller's thread:
 * HDF5's C code on a hostile file can loop or abort, and a worker can be killed. Everything it
 * returns is structured-clone data (strings, numbers, typed arrays), so it crosses threads.
 *
 * Limits keep a crafted file from making the tree itself the attack: at most MAX_ENTRIES
 * objects, MAX_DEPTH levels and MAX_VALUES numbers in all.
 */
export type H5Entry =
  | { kind: "group"; children: Record<string, H5Entry> }
  | {
      kind: "dataset";
      /** "string", "float32", "float64", "int" (signed or unsigned, read as numbers), or h5wasm's dtype for others */
      dtype: string;
      shape: number[];
      /** strings for "string"; numbers otherwise (float32 stays a Float32Array) */
      value: string[] | Float32Array | Float64Array | null;
    }
  | { kind: "other"; what: string };

export const MAX_ENTRIES = 100_000;
export const MAX_DEPTH = 32;
export const MAX_VALUES = 256 * 1024 * 1024;

interface H5Like {
  keys(): string[];
  get(name: string): unknown;
}
interface DatasetLike {
  dtype: unknown;
  shape: number[] | null;
  metadata: { type: number; size: number; vlen?: boolean };
  value: unknown;
}

/** Why a tree could not be built (becomes a NirError in the calling thread). */
export class TreeProblem extends Error {}

function isGroup(x: unknown): x is H5Like {
  return typeof x === "object" && x !== null && typeof (x as H5Like).keys === "function";
}
function isDataset(x: unknown): x is DatasetLike {
  return typeof x === "object" && x !== null && "metadata" in x && "shape" in x;
}

/** h5wasm type classes (H5T_class_t): 0 integer, 1 float, 3 string. */
function readDataset(d: DatasetLike, path: string, budget: { values: number }): H5Entry {
  const shape = d.shape ?? [];
  const count = shape.reduce((a, b) => a * b, 1);
  budget.values -= count;
  if (budget.values < 0) {
    throw new TreeProblem(`${path}: the file holds more than ${MAX_VALUES} values in all`);
  }
  const { type, size } = d.metadata;
  const raw = d.value;
  if (type === 3) {
    const list = Array.isArray(raw) ? raw : [raw];
    if (!list.every((s) => typeof s === "string")) {
      throw new TreeProblem(`${path}: a string dataset whose values are not all strings`);
    }
    return { kind: "dataset", dtype: "string", shape, value: list as string[] };
  }
  if (type === 1 && (size === 4 || size === 8)) {
    const arr =
      raw instanceof Float32Array || raw instanceof Float64Array
        ? raw
        : Float64Array.from(Array.isArray(raw) ? (raw as number[]) : [Number(raw)]);
    return { kind: "dataset", dtype: size === 4 ? "float32" : "float64", shape, value: arr };
  }
  if (type === 0) {
    const list: ArrayLike<number | bigint> =
      typeof raw === "object" && raw !== null && "length" in raw
        ? (raw as ArrayLike<number | bigint>)
        : [raw as number | bigint];
    const out = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const v = Number(list[i]);
      if (!Number.isSafeInteger(v)) {
        throw new TreeProblem(`${path}: integer ${String(list[i])} is out of range`);
      }
      out[i] = v;
    }
    return { kind: "dataset", dtype: "int", shape, value: out };
  }
  return { kind: "dataset", dtype: JSON.stringify(d.dtype), shape, value: null };
}

/** The tree under `group` (the file's root when called with the File). */
export function readTree(root: H5Like): H5Entry {
  let entries = 0;
  const budget = { values: MAX_VALUES };
  const walk = (g: H5Like, path: string, depth: number): H5Entry => {
    if (depth > MAX_DEPTH) throw new TreeProblem(`${path}: groups nest deeper than ${MAX_DEPTH}`);
    const children: Record<string, H5Entry> = {};
    for (const key of g.keys()) {
      if (++entries > MAX_ENTRIES) {
        throw new TreeProblem(`the file holds more than ${MAX_ENTRIES} objects`);
      }
      const p = path === "" ? key : `${path}/${key}`;
      const item = g.get(key);
      if (isGroup(item)) children[key] = walk(item, p, depth + 1);
      else if (isDataset(item)) children[key] = readDataset(item, p, budget);
      else children[key] = { kind: "other", what: item === null ? "a broken link" : "a link" };
    }
    return { kind: "group", children };
  };
  return walk(root, "", 0);
}
