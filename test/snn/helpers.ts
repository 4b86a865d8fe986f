/** Build small models in memory for tests: tensors given as arrays, packed into a weights file. */
import { parseModel } from "../../src/snn/index.js";
import type { Model } from "../../src/snn/index.js";

export type Tensor = { shape: number[]; data: ArrayLike<number> };
/** A layer as in model.json, except that tensor fields hold {shape, data} instead of refs. */
export type LayerDef = Record<string, unknown>;

export interface ModelDef {
  inputShape: [number, number, number];
  layers: LayerDef[];
  dt?: number;
  timesteps?: number;
  mode?: "reset" | "continuous";
  readout?: { type: "spike_count" | "mean_output" | "membrane"; window?: object };
  encoder?: Record<string, unknown>;
  /** Model format version (default 1; 2 for layers that name their inputs). */
  version?: number;
}

const isTensor = (x: unknown): x is Tensor =>
  typeof x === "object" && x !== null && "shape" in x && "data" in x;

/** Returns model.json (as an object) and the weights file bytes. */
export function packModel(def: ModelDef): { json: Record<string, unknown>; bytes: Uint8Array } {
  const values: number[] = [];
  const pack = (obj: unknown): unknown => {
    if (isTensor(obj)) {
      const ref = { offset: values.length * 4, shape: obj.shape };
      for (let i = 0; i < obj.data.length; i++) values.push(obj.data[i]);
      return ref;
    }
    if (Array.isArray(obj)) return obj.map(pack);
    if (typeof obj === "object" && obj !== null) {
      return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, pack(v)]));
    }
    return obj;
  };
  const layers = def.layers.map(pack) as Record<string, unknown>[];
  let outSize = 0;
  for (const l of layers) {
    const w = l.weights as { shape: number[] } | undefined;
    if (w) outSize = l.type === "conv2d" || l.type === "conv1d" ? 0 : w.shape[0];
    // Layers with neurons but no weights (scale, neurons): count from the parsed shape.
    else if (l.neuron !== undefined) outSize = 0;
  }
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  const json: Record<string, unknown> = {
    format: "spikenode-model",
    version: def.version ?? 1,
    name: "test",
    dt: def.dt ?? 0.001,
    weights: { file: "weights.bin", bytes: bytes.byteLength },
    input: { shape: def.inputShape, encoder: def.encoder ?? { type: "constant" } },
    presentation: { mode: def.mode ?? "reset", timesteps: def.timesteps ?? 50 },
    layers,
    readout: def.readout ?? { type: "spike_count" },
    labels: [],
    provenance: { method: "hand-written" },
  };
  json.labels = Array.from({ length: outSize }, (_, i) => `c${i}`);
  return { json, bytes };
}

/** Build and parse; conv-final models get labels fixed up from the parsed shape. */
export function buildModel(def: ModelDef): Model {
  const { json, bytes } = packModel(def);
  if ((json.labels as string[]).length === 0) {
    // Last layer is conv: count its neurons by parsing once with a placeholder.
    try {
      parseModel({ ...json, labels: ["x"] }, bytes, "test");
    } catch (err) {
      const m = /last layer has (\d+) neurons/.exec((err as Error).message);
      if (m) json.labels = Array.from({ length: Number(m[1]) }, (_, i) => `c${i}`);
    }
  }
  return parseModel(json, bytes, "test");
}

/** Deterministic PRNG for test data: the benchmarks' seeded uniform stream (mulberry32). */
export { uniform as rng } from "../../src/bench/uniform.js";

export function randomTensor(shape: number[], rand: () => number, scale = 1, offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  // Rounded to float32, as the weights file stores them.
  return {
    shape,
    data: Array.from({ length: n }, () => Math.fround(offset + (rand() * 2 - 1) * scale)),
  };
}

export const LIF = { model: "lif", tau_rc: 0.02, tau_ref: 0.002 } as const;
export const LINEAR = { model: "linear" } as const;
