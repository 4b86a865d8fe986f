/**
 * A NIR file's HDF5 tree (hdf5-tree.ts) as a NIR graph, per the layout of neuromorphs/NIR
 * `nir/serialization.py`: a root `version` string; group `node` with `type` = "NIRGraph", an
 * `edges` dataset of [source, target] string pairs (in no particular order) and `nodes/<name>/`,
 * each with a `type` string and one dataset per field. A node of type NIRGraph is a sub-graph:
 * it is flattened here, its nodes named `G.B`, an edge into `G` going to G's Input nodes and an
 * edge out of `G` leaving from its Output nodes (which become pass-through "Identity" nodes).
 * Only the structure is checked here; what the node types mean is import.ts's business.
 */
import type { H5Entry } from "./hdf5-tree.js";
import { NirError } from "./errors.js";

export type NirValue =
  | { dtype: "float32" | "float64" | "int"; shape: number[]; data: Float32Array | Float64Array }
  | { dtype: "string"; shape: number[]; data: string[] };

export interface NirNode {
  /** Flattened name: sub-graph nodes are `G.B`. */
  name: string;
  /** Where it is in the file, e.g. `node/nodes/lif1/nodes/w_rec`. */
  path: string;
  /** NIR node type ("Affine", "LIF", …); a sub-graph's Input/Output become "Identity". */
  type: string;
  fields: Record<string, NirValue>;
}

export interface NirGraph {
  file: string;
  version: string;
  /** Every node that is not a sub-graph, by flattened name, in file order. */
  nodes: Map<string, NirNode>;
  /** [source, target] between flattened names. */
  edges: Array<[string, string]>;
}

type Group = Extract<H5Entry, { kind: "group" }>;

const LAYOUT_FIX = "write the file with nir.write (neuromorphs/NIR), which stores this layout";

function str(e: H5Entry | undefined): string | null {
  return e?.kind === "dataset" && e.dtype === "string" && e.shape.length === 0
    ? (e.value as string[])[0]
    : null;
}

function toValue(e: Extract<H5Entry, { kind: "dataset" }>): NirValue | null {
  if (e.value === null) return null;
  if (e.dtype === "string") return { dtype: "string", shape: e.shape, data: e.value as string[] };
  return {
    dtype: e.dtype as "float32" | "float64" | "int",
    shape: e.shape,
    data: e.value as Float32Array | Float64Array,
  };
}

/** Parse the tree of `file` into a flattened NIR graph, or throw a NirError. */
export function parseNirTree(tree: H5Entry, file: string): NirGraph {
  if (tree.kind !== "group") throw new NirError(file, "", "has no root group", LAYOUT_FIX);
  const root = tree.children.node;
  const version = str(tree.children.version);
  if (root === undefined || root.kind !== "group") {
    throw new NirError(
      file,
      "",
      `is HDF5 but not NIR: it has no group "node" (top level holds ${listKeys(tree)})`,
      LAYOUT_FIX,
    );
  }
  const nodes = new Map<string, NirNode>();
  const edges: Array<[string, string]> = [];
  const graphType = str(root.children.type);
  if (graphType !== "NIRGraph") {
    throw new NirError(
      file,
      "node/type",
      graphType === null ? "is missing or not a string" : `is "${graphType}", not "NIRGraph"`,
      LAYOUT_FIX,
    );
  }
  flatten(root, "node", "", file, nodes, edges, 0);
  return { file, version: version ?? "unknown", nodes, edges };
}

function listKeys(g: Group): string {
  const keys = Object.keys(g.children);
  return keys.length === 0 ? "nothing" : keys.map((k) => `"${k}"`).join(", ");
}

/** Endpoints of a sub-graph: where edges into it arrive and edges out of it leave. */
interface Ports {
  inputs: string[];
  outputs: string[];
}

function flatten(
  graph: Group,
  path: string,
  prefix: string,
  file: string,
  nodes: Map<string, NirNode>,
  edges: Array<[string, string]>,
  depth: number,
): Ports {
  if (depth > 16) throw new NirError(file, path, "sub-graphs nest deeper than 16", LAYOUT_FIX);
  const group = graph.children.nodes;
  if (group === undefined || group.kind !== "group") {
    throw new NirError(file, `${path}/nodes`, "is missing or not a group", LAYOUT_FIX);
  }
  const inner = depth > 0;
  const ports: Ports = { inputs: [], outputs: [] };
  /** Local name → flattened names it stands for as a source / as a target. */
  const local = new Map<string, { asSource: string[]; asTarget: string[]; sub: boolean }>();
  for (const [name, entry] of Object.entries(group.children)) {
    const p = `${path}/nodes/${name}`;
    if (entry.kind !== "group") {
      throw new NirError(file, p, "is not a group", `${LAYOUT_FIX}: every node is a group`);
    }
    const type = str(entry.children.type);
    if (type === null) {
      throw new NirError(file, `${p}/type`, "is missing or not a string", LAYOUT_FIX);
    }
    const full = prefix + name;
    if (type === "NIRGraph") {
      const sub = flatten(entry, p, `${full}.`, file, nodes, edges, depth + 1);
      local.set(name, { asSource: sub.outputs, asTarget: sub.inputs, sub: true });
      continue;
    }
    const fields: Record<string, NirValue> = {};
    for (const [key, value] of Object.entries(entry.children)) {
      if (key === "type" || key === "metadata" || value.kind !== "dataset") continue;
      const v = toValue(value);
      if (v === null) {
        throw new NirError(
          file,
          `${p}/${key}`,
          `has HDF5 type ${value.dtype}, which NIR does not use`,
          "store numbers as float32/float64/integers and names as strings",
        );
      }
      fields[key] = v;
    }
    const passThrough = inner && (type === "Input" || type === "Output");
    nodes.set(full, { name: full, path: p, type: passThrough ? "Identity" : type, fields });
    if (passThrough && type === "Input") ports.inputs.push(full);
    if (passThrough && type === "Output") ports.outputs.push(full);
    local.set(name, { asSource: [full], asTarget: [full], sub: false });
  }
  const e = graph.children.edges;
  const epath = `${path}/edges`;
  if (e === undefined || e.kind !== "dataset" || e.dtype !== "string") {
    throw new NirError(file, epath, "is missing or not a dataset of strings", LAYOUT_FIX);
  }
  const names = e.value as string[];
  const pairs = e.shape.length === 2 && e.shape[1] === 2;
  if (!(pairs || (e.shape.length === 1 && e.shape[0] === 0) || names.length === 0)) {
    throw new NirError(
      file,
      epath,
      `has shape [${e.shape.join(", ")}], not [N, 2] (source, target pairs)`,
      LAYOUT_FIX,
    );
  }
  const resolve = (name: string, as: "asSource" | "asTarget", i: number): string[] => {
    const hit = lookup(local, name, nodes, prefix, as);
    if (hit !== null) return hit;
    const known = [...local.keys()].map((k) => `"${k}"`).join(", ");
    throw new NirError(
      file,
      `${epath}[${i}]`,
      `names "${name}", which is not a node of ${path} (its nodes: ${known || "none"})`,
      "make every edge name a node of its graph (a sub-graph's node as G.B); nir.read refuses this file too",
    );
  };
  for (let i = 0; i + 1 < names.length; i += 2) {
    for (const s of resolve(names[i], "asSource", i / 2)) {
      for (const t of resolve(names[i + 1], "asTarget", i / 2)) edges.push([s, t]);
    }
  }
  return ports;
}

/** A name in one graph: a node, a sub-graph (its ports), or `G.B` inside sub-graph G. */
function lookup(
  local: Map<string, { asSource: string[]; asTarget: string[]; sub: boolean }>,
  name: string,
  nodes: Map<string, NirNode>,
  prefix: string,
  as: "asSource" | "asTarget",
): string[] | null {
  const direct = local.get(name);
  if (direct !== undefined) return direct[as];
  const dot = name.indexOf(".");
  if (dot <= 0) return null;
  const sub = local.get(name.slice(0, dot));
  if (sub === undefined || !sub.sub) return null;
  const full = prefix + name;
  return nodes.has(full) ? [full] : null;
}
