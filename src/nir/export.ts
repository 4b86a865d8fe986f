/**
 * A spikenode model as a NIR file (the layout of neuromorphs/NIR `nir/serialization.py`, written
 * with h5wasm): one NIR node per layer, a weighted layer with neurons as its weighted node
 * followed by its neuron node (`<name>.w` → `<name>`), a layer's inputs as edges (a cycle is
 * just an edge: NIR carries it one step, as our format does). Only what NIR expresses exactly is
 * exported; anything else is refused naming the layer and the missing feature (Nengo's LIF:
 * refractory period, exponential integration, sub-step spike timing and spikes of height
 * amplitude/dt; ALIF's adaptive threshold; synaptic filters; the leaky integrator's exact
 * exponential; recurrent_dense is refused too, as its own recurrent weights would need a second
 * weighted node of the same neuron). With `approximate`, Nengo's LIF, the leaky integrator and
 * the synaptic filters become the nearest NIR nodes instead (approximate.ts says what moves).
 */
import { spikeHeight, type Model, type ResolvedLayer } from "../snn/index.js";
import {
  APPROXIMATED_NEURONS,
  approximateLayer,
  type ApproximatedLayer,
  type OutNode,
} from "./approximate.js";
import { NirError } from "./errors.js";

export interface ExportOptions {
  /**
   * Write the nearest NIR nodes for what NIR cannot say exactly (Nengo LIF, leaky integrator,
   * lowpass/alpha synapses; approximate.ts) instead of refusing. ALIF is refused still.
   */
  approximate?: boolean;
}

export interface NirGraphOut {
  nodes: Map<string, OutNode>;
  edges: Array<[string, string]>;
  /** Per approximated layer, what changed (empty for an exact export). */
  approximations: Array<{ layer: string; changes: string[] }>;
}

const NIR_VERSION = "1.0.0";

const NEURONS: Record<string, { type: string; fields: Record<string, string> }> = {
  nir_lif: {
    type: "LIF",
    fields: {
      tau: "tau",
      r: "r",
      v_leak: "v_leak",
      v_threshold: "v_threshold",
      v_reset: "v_reset",
    },
  },
  nir_cuba_lif: {
    type: "CubaLIF",
    fields: {
      tau_mem: "tau_mem",
      tau_syn: "tau_syn",
      r: "r",
      v_leak: "v_leak",
      v_threshold: "v_threshold",
      v_reset: "v_reset",
      w_in: "w_in",
    },
  },
  nir_li: { type: "LI", fields: { tau: "tau", r: "r", v_leak: "v_leak" } },
  nir_cuba_li: {
    type: "CubaLI",
    fields: { tau_mem: "tau_mem", tau_syn: "tau_syn", r: "r", v_leak: "v_leak", w_in: "w_in" },
  },
  nir_i: { type: "I", fields: { r: "r" } },
  if: { type: "IF", fields: { r: "r", v_threshold: "v_threshold", v_reset: "v_reset" } },
  threshold: { type: "Threshold", fields: { v_threshold: "threshold" } },
};

const MISSING: Record<string, string> = {
  lif: "Nengo's LIF has a refractory period, exact exponential integration, sub-step spike timing and spikes of height amplitude/dt, which NIR's LIF lacks",
  alif: "ALIF's adaptive threshold has no NIR node type",
  leaky_integrator:
    "the leaky integrator integrates exactly (exponential), NIR's LI by Euler steps",
};

/** The graph to write, or a NirError naming the first layer NIR cannot express. */
export function modelToNir(model: Model, out: string, options: ExportOptions = {}): NirGraphOut {
  const nodes = new Map<string, OutNode>();
  const edges: Array<[string, string]> = [];
  const approximations: NirGraphOut["approximations"] = [];
  const approximate = options.approximate === true;
  const dt = model.spec.dt;
  const refuse = (l: ResolvedLayer, problem: string): never => {
    throw new NirError(
      model.source,
      `layers[${l.index}] (${l.spec.type}${l.spec.name ? ` "${l.spec.name}"` : ""})`,
      `cannot be exported to NIR exactly: ${problem}`,
      `export a model whose layers NIR expresses (${out} not written)`,
    );
  };
  const encoder = model.spec.input.encoder;
  if (encoder.type !== "external" && encoder.type !== "constant") {
    throw new NirError(
      model.source,
      "input.encoder",
      `is "${encoder.type}", which NIR has no node for`,
      "export a model with an external (or constant) encoder",
    );
  }
  if (encoder.type === "constant" && encoder.bias !== 0) {
    throw new NirError(
      model.source,
      "input.encoder.bias",
      `is ${encoder.bias}, a constant current NIR's Input cannot add`,
      "export a model whose constant encoder has bias 0 (its gain goes into the first weights)",
    );
  }
  /**
   * The value one spike (or one unit of input) of each layer's output carries in our engine
   * (amplitude/dt for Nengo's LIF, the encoder's gain for the image), which NIR's spikes of 1
   * and its plain Input do not: the weights reading it are multiplied by it, so the graph
   * computes the same currents. Pooling and flatten pass it through. -1 is the input.
   */
  const heights = new Map<number, number>([[-1, encoder.type === "constant" ? encoder.gain : 1]]);
  const heightIn = (l: ResolvedLayer): number => {
    const hs = [...new Set(l.inputs.map((i) => heights.get(i) ?? 1))];
    if (hs.length > 1) refuse(l, `its inputs carry spikes of different heights (${hs.join(", ")})`);
    return hs[0] ?? 1;
  };
  const scaled = (t: Float32Array, h: number) => (h === 1 ? t : t.map((x) => x * h));
  nodes.set("input", { type: "Input", fields: { shape: [...model.inputShape] } });
  const nameOf = (i: number) => (i < 0 ? "input" : (model.layers[i].spec.name ?? `layer${i}`));
  for (const l of model.layers) {
    const s = l.spec as ResolvedLayer["spec"] & Record<string, unknown>;
    const name = nameOf(l.index);
    const srcs = l.inputs.map(nameOf);
    const hIn = heightIn(l);
    const neuronModel = "neuron" in s ? (s.neuron as { model: string }).model : null;
    const synapseType = "synapse" in s ? (s.synapse as { type: string }).type : "none";
    // Approximated: a Nengo-style neuron or a synaptic filter (approximate.ts).
    const approx =
      approximate &&
      neuronModel !== null &&
      (APPROXIMATED_NEURONS.has(neuronModel) ||
        (synapseType !== "none" &&
          (neuronModel === "linear" || APPROXIMATED_NEURONS.has(neuronModel))));
    // Shaping layers pass the height on; NIR kinds spike 1, analog outputs are values as they are.
    heights.set(
      l.index,
      neuronModel === null
        ? hIn
        : neuronModel === "lif"
          ? spikeHeight((s as { neuron: Parameters<typeof spikeHeight>[0] }).neuron, dt)
          : 1,
    );
    if (!approx && synapseType !== "none")
      refuse(
        l,
        `its ${synapseType} synapse has no NIR equivalent` +
          (approximate ? "" : " (export-nir --approximate writes the nearest NIR nodes)"),
      );
    if (s.type === "recurrent_dense")
      refuse(l, "recurrent_dense (write the recurrence as the layer listing itself in inputs)");
    if (s.type === "neurons" && hIn !== 1)
      refuse(l, `a neurons layer reading spikes of height ${hIn}, which NIR's spikes of 1 are not`);
    let weighted: OutNode | null = null;
    const shape = (t: Float32Array, sh: readonly number[]) => ({ data: t, shape: [...sh] });
    // An approximated layer with a synapse takes its bias after the filter, in a later node of
    // the chain (approximate.ts); without one the weighted node keeps it.
    const bias = approx && synapseType !== "none" ? undefined : l.bias;
    switch (s.type) {
      case "flatten":
        nodes.set(name, {
          type: "Flatten",
          fields: { start_dim: 0, end_dim: -1, input_type: [...l.inShape] },
        });
        break;
      case "avgpool2d":
      case "sumpool2d":
        nodes.set(name, {
          type: s.type === "avgpool2d" ? "AvgPool2d" : "SumPool2d",
          fields: { kernel_size: s.kernel, stride: s.stride, padding: s.padding },
        });
        break;
      case "dense": {
        const [o, i] = [l.outShape[0], l.inShape[0]];
        const weight = shape(scaled(l.weights!, hIn), [o, i]);
        weighted = bias
          ? { type: "Affine", fields: { weight, bias: shape(bias, [o]) } }
          : { type: "Linear", fields: { weight } };
        break;
      }
      case "conv2d":
      case "conv1d": {
        const is2d = s.type === "conv2d";
        const p = s.padding as number[];
        if (is2d && p.length === 4 && (p[0] !== p[1] || p[2] !== p[3]))
          refuse(
            l,
            `padding [${p.join(", ")}] is not the same on both sides, which NIR's Conv2d cannot say`,
          );
        if (!is2d && p[0] !== p[1])
          refuse(l, `padding [${p.join(", ")}] is not the same on both sides`);
        const oc = l.outShape[0];
        const ws = (s.weights as { shape: number[] }).shape;
        weighted = {
          type: is2d ? "Conv2d" : "Conv1d",
          fields: {
            weight: shape(scaled(l.weights!, hIn), ws),
            bias: shape(bias ?? new Float32Array(oc), [oc]),
            stride: s.stride as number | number[],
            padding: is2d ? (p.length === 4 ? [p[0], p[2]] : p) : p[0],
            dilation: s.dilation as number | number[],
            groups: s.groups,
            input_shape: is2d ? [l.inShape[1], l.inShape[2]] : l.inShape[l.inShape.length - 1],
          },
        };
        break;
      }
      case "scale":
        weighted = {
          type: "Scale",
          fields: { scale: shape(scaled(l.weights!, hIn), [...l.inShape]) },
        };
        break;
      default:
        break;
    }
    if (approx) {
      const chain: ApproximatedLayer = approximateLayer(l, name, weighted, dt);
      approximations.push({ layer: name, changes: chain.changes });
      chain.nodes.forEach(([id, node], k) => {
        nodes.set(id, node);
        if (k === 0) for (const src of srcs) edges.push([src, id]);
        else edges.push([chain.nodes[k - 1][0], id]);
      });
      continue;
    }
    if ("neuron" in s) {
      const neuron = s.neuron as { model: string };
      let neuronNode: OutNode | null = null;
      if (neuron.model !== "linear") {
        const map = NEURONS[neuron.model];
        if (map === undefined)
          refuse(
            l,
            (MISSING[neuron.model] ?? `neuron "${neuron.model}" has no NIR node type`) +
              (approximate || !APPROXIMATED_NEURONS.has(neuron.model)
                ? ""
                : " (export-nir --approximate writes the nearest NIR nodes)"),
          );
        const fields: OutNode["fields"] = {};
        for (const [ours, theirs] of Object.entries(map.fields)) {
          const v = l.neuronTensors[ours];
          // A uniform number is float64 in our engine: written as float64, it reads back exactly.
          const data = v instanceof Float64Array ? Float64Array.from(v) : Float32Array.from(v);
          fields[theirs] = { data: data as Float32Array, shape: [...l.outShape] };
        }
        neuronNode = { type: map.type, fields };
      }
      if (weighted !== null && neuronNode !== null) {
        nodes.set(`${name}.w`, weighted);
        nodes.set(name, neuronNode);
        for (const src of srcs) edges.push([src, `${name}.w`]);
        edges.push([`${name}.w`, name]);
        continue;
      }
      const only = weighted ?? neuronNode;
      if (only === null) refuse(l, "a neurons layer of linear neurons is no NIR node");
      nodes.set(name, only!);
    }
    for (const src of srcs) edges.push([src, name]);
  }
  const last = model.layers[model.layers.length - 1];
  nodes.set("output", { type: "Output", fields: { shape: [...last.outShape] } });
  edges.push([nameOf(last.index), "output"]);
  return { nodes, edges, approximations };
}

/** Write `model` to `file` as NIR (HDF5; arrays gzip-compressed as nir.write does). */
export async function writeNir(
  model: Model,
  file: string,
  options: ExportOptions = {},
): Promise<{ nodes: number; edges: number; approximations: NirGraphOut["approximations"] }> {
  const { nodes, edges, approximations } = modelToNir(model, file, options);
  const h5 = await import("h5wasm/node");
  await h5.ready;
  const f = new h5.File(file, "w");
  try {
    f.create_dataset({ name: "version", data: NIR_VERSION });
    const g = f.create_group("node");
    g.create_dataset({ name: "type", data: "NIRGraph" });
    g.create_dataset({ name: "edges", data: edges.flat(), shape: [edges.length, 2] });
    const ng = g.create_group("nodes");
    for (const [name, node] of nodes) {
      const n = ng.create_group(name);
      n.create_dataset({ name: "type", data: node.type });
      for (const [key, v] of Object.entries(node.fields)) {
        if (typeof v === "string") n.create_dataset({ name: key, data: v });
        else if (typeof v === "number")
          n.create_dataset({ name: key, data: new BigInt64Array([BigInt(v)]), shape: [] });
        else if (Array.isArray(v))
          n.create_dataset({ name: key, data: BigInt64Array.from(v.map(BigInt)) });
        else {
          const { data, shape } = v as { data: Float32Array | Float64Array; shape: number[] };
          n.create_dataset({ name: key, data, shape, chunks: shape, compression: "gzip" });
        }
      }
    }
  } finally {
    f.close();
  }
  return { nodes: nodes.size, edges: edges.length, approximations };
}
