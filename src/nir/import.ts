/**
 * A NIR graph (graph.ts) as a spikenode model (models/FORMAT.md, version 2): one layer per NIR
 * node, a weighted node fused with the neuron node that alone reads it, cycles cut where
 * reference/nir.md cuts them (the edge on a cycle whose target is no farther from the Input
 * than its source carries the previous step), the input "external" (the caller feeds each
 * step). NIR stores no dt: the caller gives it (default 1e-4 s, what the NIR paper files and
 * snnTorch's importer assume). Problems name the node's path in the file and the fix; every
 * unsupported node type is listed at once.
 */
import { parseModel, WeightsWriter, type Model, type ModelSpecInput } from "../snn/index.js";
import { NirError } from "./errors.js";
import type { NirGraph, NirNode, NirValue } from "./graph.js";

export const DEFAULT_DT = 1e-4;
export const DEFAULT_TIMESTEPS = 100;

export interface ImportOptions {
  dt?: number;
  timesteps?: number;
  /** Model name (default: the file's base name). */
  name?: string;
  /**
   * [C, H, W] of a flat input ([n] with n = C·H·W): the image its n values are the pixels of,
   * channel-major, as torch's Flatten of a [C, H, W] tensor lays them out. Lets a camera frame
   * feed an MLP trained on flattened images (src/stream/external-input.ts).
   */
  inputShape?: readonly [number, number, number];
}

const WEIGHTED = new Set(["Affine", "Linear", "Conv1d", "Conv2d", "Scale"]);
const NEURON = new Set(["I", "IF", "LI", "LIF", "CubaLI", "CubaLIF", "Threshold"]);
const SHAPING = new Set(["SumPool2d", "AvgPool2d", "Flatten"]);
const SPIKING = new Set(["IF", "LIF", "CubaLIF", "Threshold"]);
export const SUPPORTED_TYPES = [
  "Input",
  "Output",
  ...WEIGHTED,
  ...SHAPING,
  ...NEURON,
  "NIRGraph (sub-graphs)",
];

type Layer = Record<string, unknown> & { type: string; name: string; inputs: string[] };

export interface Imported {
  spec: ModelSpecInput;
  weights: Uint8Array;
  model: Model;
}

/** Convert `graph`; `source` names the model in errors (the .nir file). */
export function importNir(graph: NirGraph, options: ImportOptions = {}): Imported {
  const file = graph.file;
  const dt = options.dt ?? DEFAULT_DT;
  const fail = (node: NirNode | null, problem: string, fix: string): never => {
    throw new NirError(file, node?.path ?? "node", problem, fix);
  };
  // Every unsupported type, at once.
  const bad = [...graph.nodes.values()].filter(
    (n) =>
      !(WEIGHTED.has(n.type) || NEURON.has(n.type) || SHAPING.has(n.type)) &&
      !["Input", "Output", "Identity"].includes(n.type),
  );
  if (bad.length > 0) {
    const delay = bad.some((n) => n.type === "Delay");
    throw new NirError(
      file,
      "node/nodes",
      `unsupported node type${bad.length > 1 ? "s" : ""}: ${bad.map((n) => `${n.path} (${n.type})`).join(", ")}`,
      (delay ? "Delay is not implemented: export the network without synaptic delays; " : "") +
        `spikenode imports ${SUPPORTED_TYPES.join(", ")}`,
    );
  }
  const node = (name: string) => graph.nodes.get(name)!;
  // Pass-through nodes (sub-graph ports) collapse: an edge a→Identity→b becomes a→b.
  const preds = new Map<string, string[]>();
  for (const n of graph.nodes.keys()) preds.set(n, []);
  for (const [s, t] of graph.edges) preds.get(t)!.push(s);
  const sourcesOf = (name: string, seen = new Set<string>()): string[] =>
    preds.get(name)!.flatMap((s) => {
      if (node(s).type !== "Identity") return [s];
      if (seen.has(s)) return [];
      seen.add(s);
      return sourcesOf(s, seen);
    });
  const real = [...graph.nodes.values()].filter((n) => n.type !== "Identity");
  const inputs = real.filter((n) => n.type === "Input");
  const outputs = real.filter((n) => n.type === "Output");
  if (inputs.length !== 1 || outputs.length !== 1) {
    fail(
      null,
      `has ${inputs.length} Input and ${outputs.length} Output nodes`,
      "give the graph exactly one Input and one Output node (spikenode runs one input stream into one readout)",
    );
  }
  const input = inputs[0];
  const output = outputs[0];
  const inShapeNir = intList(input, "shape", fail);
  const src = new Map(real.map((n) => [n.name, sourcesOf(n.name)] as const));
  // BFS distance from the Input over the edges, for cutting cycles as reference/nir.md does.
  const succ = new Map<string, string[]>(real.map((n) => [n.name, []]));
  for (const [t, ss] of src) for (const s of ss) succ.get(s)!.push(t);
  const dist = new Map<string, number>([[input.name, 0]]);
  for (const queue = [input.name]; queue.length > 0;) {
    const u = queue.shift()!;
    for (const v of succ.get(u)!) {
      if (!dist.has(v)) {
        dist.set(v, dist.get(u)! + 1);
        queue.push(v);
      }
    }
  }
  for (const n of real) {
    if (!dist.has(n.name)) {
      fail(n, "is not reached from the Input node", "connect it to the graph or remove it");
    }
  }
  const reach = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const u = stack.pop()!;
      if (u === to) return true;
      if (seen.has(u)) continue;
      seen.add(u);
      stack.push(...succ.get(u)!);
    }
    return false;
  };
  const cut = new Set<string>();
  for (const [t, ss] of src) {
    for (const s of ss) {
      if (dist.get(t)! <= dist.get(s)! && reach(t, s)) {
        if (!NEURON.has(node(t).type) && !cycleHasNeuron(t, s, node, succ)) {
          fail(
            node(t),
            `closes a cycle (${s} → ${t}) with no neuron in it, which has no value to carry from step to step`,
            "put a neuron node in every cycle",
          );
        }
        cut.add(`${s}\u0000${t}`);
      }
    }
  }
  // Topological order of the uncut edges, nearest the Input first.
  const order: string[] = [];
  const indeg = new Map(real.map((n) => [n.name, 0]));
  for (const [t, ss] of src)
    for (const s of ss) if (!cut.has(`${s}\u0000${t}`)) indeg.set(t, indeg.get(t)! + 1);
  const ready = real.filter((n) => indeg.get(n.name) === 0).map((n) => n.name);
  while (ready.length > 0) {
    ready.sort((a, b) => dist.get(a)! - dist.get(b)! || (a < b ? -1 : 1));
    const u = ready.shift()!;
    order.push(u);
    for (const v of succ.get(u)!) {
      if (cut.has(`${u}\u0000${v}`)) continue;
      indeg.set(v, indeg.get(v)! - 1);
      if (indeg.get(v) === 0) ready.push(v);
    }
  }
  const pos = new Map(order.map((n, i) => [n, i]));
  for (const key of cut) {
    const [s, t] = key.split("\u0000");
    if (pos.get(s)! < pos.get(t)!) {
      fail(
        node(t),
        `its cycle through ${s} cannot be run in one pass`,
        "simplify the cycle to a neuron node and the weights that feed it back",
      );
    }
  }
  const outSrc = src.get(output.name)!;
  if (outSrc.length !== 1) {
    fail(output, `has ${outSrc.length} incoming edges`, "give the Output node exactly one source");
  }
  // Layer names: ours allow letters, digits, _ . - and may not start with a digit or be "input".
  const names = new Map<string, string>();
  const used = new Set<string>(["input"]);
  for (const n of order) {
    let base = n.replace(/[^A-Za-z0-9_.-]/g, "_");
    if (!/^[A-Za-z_]/.test(base)) base = `n${base}`;
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    names.set(n, name);
  }
  const w = new WeightsWriter();
  const layers: Layer[] = [];
  const layerOf = new Map<string, string>(); // NIR node → layer name whose output it is
  const nirOf: Record<string, string> = {};
  const flatInput = inShapeNir.length === 1;
  if (flatInput) {
    layers.push({ type: "flatten", name: "input_flat", inputs: ["input"] });
  }
  layerOf.set(input.name, flatInput ? "input_flat" : "input");
  const consumers = (n: string) => succ.get(n)!;
  const fusedInto = new Map<string, string>(); // weighted node → neuron node
  for (const n of order) {
    const nn = node(n);
    if (!WEIGHTED.has(nn.type)) continue;
    const c = consumers(n);
    if (
      c.length === 1 &&
      NEURON.has(node(c[0]).type) &&
      src.get(c[0])!.length === 1 &&
      !cut.has(`${n}\u0000${c[0]}`)
    )
      fusedInto.set(n, c[0]);
  }
  const fusedFrom = new Map([...fusedInto].map(([a, b]) => [b, a]));
  const ref = (v: NirValue, shape?: number[]) => {
    const data = Float32Array.from(v.data as ArrayLike<number>);
    return w.add(data, shape ?? (v.shape.length === 0 ? [1] : v.shape));
  };
  const pending: Array<{ layer: Layer; srcs: string[] }> = [];
  for (const n of order) {
    const nn = node(n);
    if (nn.type === "Input" || nn.type === "Output" || fusedInto.has(n)) continue;
    const name = names.get(n)!;
    nirOf[name] = fusedFrom.has(n) ? `${fusedFrom.get(n)} + ${n}` : n;
    const weightedNode = fusedFrom.has(n)
      ? node(fusedFrom.get(n)!)
      : WEIGHTED.has(nn.type)
        ? nn
        : null;
    const neuronNode = NEURON.has(nn.type) ? nn : null;
    const srcs = src.get(weightedNode?.name ?? n)!;
    let layer: Layer;
    if (weightedNode !== null) {
      layer = weightedLayer(weightedNode, name, ref, fail);
      layer.neuron = neuronNode === null ? { model: "linear" } : neuronSpec(neuronNode, fail, ref);
    } else if (neuronNode !== null) {
      layer = { type: "neurons", name, inputs: [], neuron: neuronSpec(neuronNode, fail, ref) };
    } else layer = shapingLayer(nn, name, fail);
    if (srcs.length === 0) fail(nn, "has no incoming edge", "connect it to the graph");
    pending.push({ layer, srcs });
    layerOf.set(n, name);
    if (fusedFrom.has(n)) layerOf.set(fusedFrom.get(n)!, name);
    layers.push(layer);
  }
  for (const { layer, srcs } of pending) layer.inputs = srcs.map((s) => layerOf.get(s)!);
  const last = layerOf.get(outSrc[0])!;
  if (layers.length === 0 || layers[layers.length - 1].name !== last) {
    fail(
      output,
      `its source ${outSrc[0]} is not the last node of the graph in step order`,
      "make the Output read the graph's last node",
    );
  }
  const lastNir =
    fusedFrom.has(outSrc[0]) || NEURON.has(node(outSrc[0]).type) ? node(outSrc[0]) : null;
  const spiking = lastNir !== null && SPIKING.has(lastNir.type);
  const n = product(intList(output, "shape", fail));
  if (options.inputShape !== undefined) {
    const [c, h, w] = options.inputShape;
    if (!flatInput || c * h * w !== inShapeNir[0]) {
      fail(
        input,
        `shape [${inShapeNir.join(", ")}] cannot be read as the image [${options.inputShape.join(", ")}]`,
        flatInput
          ? `give an input shape of ${inShapeNir[0]} values in all (C·H·W = ${inShapeNir[0]})`
          : "only a flat input ([n]) takes an image shape; this one has its own",
      );
    }
  }
  const shape3 = options.inputShape
    ? [...options.inputShape]
    : flatInput
      ? [1, 1, inShapeNir[0]]
      : inShapeNir.length === 2
        ? [inShapeNir[0], 1, inShapeNir[1]]
        : inShapeNir;
  if (shape3.length !== 3)
    fail(
      input,
      `shape [${inShapeNir.join(", ")}] has ${inShapeNir.length} dimensions`,
      "use an input of 1, 2 or 3 dimensions ([n], [C, L] or [C, H, W])",
    );
  const base = file.replace(/^.*[\\/]/, "").replace(/\.nir$/i, "");
  const spec: ModelSpecInput = {
    format: "spikenode-model",
    version: 2,
    name: options.name ?? (base || "nir"),
    description: `imported from NIR (${base}.nir, NIR version ${graph.version}) at dt ${dt} s`,
    dt,
    weights: { file: "weights.bin", bytes: 0 },
    input: {
      shape: shape3 as [number, number, number],
      // A camera frame reaching a 3-channel input keeps its colours (src/stream/external-input.ts).
      preprocess: { color: shape3[0] === 3 ? "rgb" : "gray", fit: "center_crop", invert: false },
      encoder: { type: "external" },
    },
    presentation: { mode: "reset", timesteps: options.timesteps ?? DEFAULT_TIMESTEPS },
    layers: layers as unknown as ModelSpecInput["layers"],
    readout: { type: spiking ? "spike_count" : "mean_output" },
    labels: Array.from({ length: n }, (_, i) => String(i)),
    provenance: {
      method: "nir-import",
      source: `${base}.nir`,
      nir_version: graph.version,
      dt_assumed: dt,
      nodes: nirOf,
    },
  };
  const bytes = w.bytes();
  spec.weights.bytes = bytes.byteLength;
  let model: Model;
  try {
    model = parseModel(spec, bytes, file);
  } catch (err) {
    const m = /layers\[(\d+)\]/.exec((err as Error).message);
    const layer = m ? layers[Number(m[1])] : undefined;
    const where = layer ? `NIR node ${nirOf[layer.name] ?? layer.name}` : "node";
    throw new NirError(
      file,
      where,
      `does not make a valid network: ${(err as Error).message}`,
      "check the node's parameter shapes against its input (shapes must chain)",
    );
  }
  if (model.outputSize !== n) {
    fail(
      output,
      `has shape ${n} values but its source gives ${model.outputSize}`,
      "make the Output shape match its source",
    );
  }
  return { spec, weights: bytes, model };
}

function cycleHasNeuron(
  t: string,
  s: string,
  node: (n: string) => NirNode,
  succ: Map<string, string[]>,
): boolean {
  // Is there a path t → … → s through a neuron node?
  const seen = new Set<string>();
  const stack: Array<[string, boolean]> = [[t, NEURON.has(node(t).type)]];
  while (stack.length > 0) {
    const [u, has] = stack.pop()!;
    if (u === s) {
      if (has || NEURON.has(node(s).type)) return true;
      continue;
    }
    const key = `${u}${has}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const v of succ.get(u)!) stack.push([v, has || NEURON.has(node(v).type)]);
  }
  return false;
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

type Fail = (node: NirNode | null, problem: string, fix: string) => never;

function field(n: NirNode, key: string, fail: Fail, numeric = true): NirValue {
  const v = n.fields[key];
  if (v === undefined)
    fail(
      n,
      `has no field "${key}"`,
      `NIR's ${n.type} stores "${key}"; write the file with nir.write`,
    );
  if (numeric && v!.dtype === "string")
    fail(n, `field "${key}" is a string, not numbers`, `store "${key}" as numbers`);
  const data = v!.data as ArrayLike<number>;
  if (numeric) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        fail(n, `field "${key}" holds ${data[i]} at ${i}`, "every value must be finite");
    }
  }
  return v!;
}

function intList(n: NirNode, key: string, fail: Fail): number[] {
  const v = field(n, key, fail);
  const xs = Array.from(v.data as ArrayLike<number>);
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0)) {
    fail(
      n,
      `field "${key}" is [${xs.join(", ")}], not whole numbers ≥ 0`,
      `store "${key}" as non-negative integers`,
    );
  }
  return xs;
}

/** An int or a pair, as a pair. */
function pair(n: NirNode, key: string, fail: Fail, min: number): [number, number] {
  const xs = intList(n, key, fail);
  const p = xs.length === 1 ? [xs[0], xs[0]] : xs;
  if (p.length !== 2 || p.some((x) => x < min))
    fail(
      n,
      `field "${key}" is [${xs.join(", ")}]`,
      `give "${key}" as one or two integers ≥ ${min}`,
    );
  return p as [number, number];
}

/** A scalar (uniform array) as a float64 number, else one float32 per neuron (flat). */
type Ref = (v: NirValue, shape?: number[]) => { offset: number; shape: number[] };

/**
 * A uniform array as one float64 number (computes exactly as the file says), else one float32
 * per neuron, flat (the model format stores per-neuron values as float32).
 */
function param(
  n: NirNode,
  key: string,
  fail: Fail,
  ref: Ref,
  fallback?: number,
): number | { offset: number; shape: number[] } {
  if (n.fields[key] === undefined && fallback !== undefined) return fallback;
  const v = field(n, key, fail);
  const d = v.data as ArrayLike<number>;
  if (d.length === 0) fail(n, `field "${key}" is empty`, `store one value per neuron in "${key}"`);
  let same = true;
  for (let i = 1; i < d.length && same; i++) same = d[i] === d[0];
  if (same) return d[0];
  return ref(v, [d.length]);
}

function neuronSpec(n: NirNode, fail: Fail, ref: Ref): Record<string, unknown> {
  const p = (k: string, def?: number) => param(n, k, fail, ref, def);
  switch (n.type) {
    case "LIF":
      return {
        model: "nir_lif",
        tau: p("tau"),
        r: p("r", 1),
        v_leak: p("v_leak", 0),
        v_threshold: p("v_threshold"),
        v_reset: p("v_reset", 0),
      };
    case "CubaLIF":
      return {
        model: "nir_cuba_lif",
        tau_mem: p("tau_mem"),
        tau_syn: p("tau_syn"),
        r: p("r", 1),
        v_leak: p("v_leak", 0),
        v_threshold: p("v_threshold"),
        v_reset: p("v_reset", 0),
        w_in: p("w_in", 1),
      };
    case "LI":
      return { model: "nir_li", tau: p("tau"), r: p("r", 1), v_leak: p("v_leak", 0) };
    case "CubaLI":
      return {
        model: "nir_cuba_li",
        tau_mem: p("tau_mem"),
        tau_syn: p("tau_syn"),
        r: p("r", 1),
        v_leak: p("v_leak", 0),
        w_in: p("w_in", 1),
      };
    case "I":
      return { model: "nir_i", r: p("r", 1) };
    case "IF":
      return { model: "if", r: p("r", 1), v_threshold: p("v_threshold"), v_reset: p("v_reset", 0) };
    default:
      return { model: "threshold", v_threshold: p("threshold") };
  }
}

function weightedLayer(n: NirNode, name: string, ref: Ref, fail: Fail): Layer {
  const base = { name, inputs: [] as string[] };
  switch (n.type) {
    case "Affine":
    case "Linear": {
      const wv = field(n, "weight", fail);
      if (wv.shape.length !== 2)
        fail(
          n,
          `weight has shape [${wv.shape.join(", ")}]`,
          "an Affine/Linear weight is [out, in]",
        );
      const layer: Layer = { type: "dense", ...base, weights: ref(wv) };
      if (n.type === "Affine") layer.bias = ref(field(n, "bias", fail), [wv.shape[0]]);
      return layer;
    }
    case "Scale": {
      const s = field(n, "scale", fail);
      return { type: "scale", ...base, factor: ref(s, [s.data.length]) };
    }
    default: {
      const is2d = n.type === "Conv2d";
      const wv = field(n, "weight", fail);
      if (wv.shape.length !== (is2d ? 4 : 3))
        fail(
          n,
          `weight has shape [${wv.shape.join(", ")}]`,
          is2d
            ? "a Conv2d weight is [out, in/groups, kh, kw]"
            : "a Conv1d weight is [out, in/groups, k]",
        );
      const groups = intList(n, "groups", fail)[0];
      const stride = pair(n, "stride", fail, 1);
      const dilation = pair(n, "dilation", fail, 1);
      const pad = n.fields.padding;
      let padding: number[];
      const k = wv.shape.slice(2);
      if (pad?.dtype === "string") {
        const mode = pad.data[0];
        if (mode === "valid") padding = is2d ? [0, 0, 0, 0] : [0, 0];
        else if (mode === "same") {
          if (stride.some((x) => x !== 1))
            fail(
              n,
              "padding 'same' with a stride other than 1",
              "PyTorch allows 'same' only with stride 1; give the padding as numbers",
            );
          const side = (i: number) => {
            const total = dilation[i] * (k[i] - 1);
            return [Math.floor(total / 2), total - Math.floor(total / 2)];
          };
          padding = is2d ? [...side(0), ...side(1)] : side(0);
        } else fail(n, `padding is "${mode}"`, "use 'same', 'valid' or numbers");
      } else {
        const p = pair(n, "padding", fail, 0);
        padding = is2d ? [p[0], p[0], p[1], p[1]] : [p[0], p[0]];
      }
      const layer: Layer = {
        type: is2d ? "conv2d" : "conv1d",
        ...base,
        weights: ref(wv),
        padding: padding!,
        groups,
      };
      layer.stride = is2d ? stride : stride[0];
      layer.dilation = is2d ? dilation : dilation[0];
      if (n.fields.bias !== undefined) layer.bias = ref(field(n, "bias", fail), [wv.shape[0]]);
      return layer;
    }
  }
}

function shapingLayer(n: NirNode, name: string, fail: Fail): Layer {
  if (n.type === "Flatten") {
    const start = n.fields.start_dim ? Number(n.fields.start_dim.data[0]) : 0;
    const end = n.fields.end_dim ? Number(n.fields.end_dim.data[0]) : -1;
    const rank = n.fields.input_type ? n.fields.input_type.data.length : null;
    const whole = start === 0 && (end === -1 || (rank !== null && end === rank - 1));
    if (!whole)
      fail(
        n,
        `flattens dims ${start}..${end}, not the whole input`,
        "spikenode flattens all dims (start_dim 0, end_dim -1); export the network that way",
      );
    return { type: "flatten", name, inputs: [] };
  }
  return {
    type: n.type === "SumPool2d" ? "sumpool2d" : "avgpool2d",
    name,
    inputs: [],
    kernel: pair(n, "kernel_size", fail, 1),
    stride: pair(n, "stride", fail, 1),
    padding: pair(n, "padding", fail, 0),
  };
}
