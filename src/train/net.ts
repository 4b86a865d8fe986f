/**
 * The trainable network: a list of parameter arrays (TF.js layouts: conv filters
 * [kh, kw, in, out], dense kernels [in, out], activations NHWC) and a pure forward function.
 * Parameters live in plain Float32Arrays so the optimiser, checkpoints, worker threads and
 * export all share one representation.
 */
import * as tf from "@tensorflow/tfjs";
import type { LayerConfig, TrainConfig } from "./config.js";
import { layerPenalty, type LayerPenalty } from "./rate-penalty.js";
import { Rng } from "./rng.js";
import { softLif, type SoftLifParams } from "./soft-lif.js";

export interface TrainableParam {
  name: string;
  shape: number[];
  /** Weights get weight decay; biases do not. */
  kind: "weight" | "bias";
}

export interface Plan {
  /** Input [H, W, C] (NHWC without batch). */
  input: [number, number, number];
  layers: LayerConfig[];
  /** Shape [H, W, C] (or [N]) after each layer. */
  shapes: number[][];
  params: TrainableParam[];
  /** For each layer, the index of its first parameter (weight, then bias), or -1. */
  paramIndex: number[];
  neuron: SoftLifParams;
  /** Indices of the soft-LIF layers (the spiking layers of the export), in order. */
  spikingLayers: number[];
  /** Units per soft-LIF layer (neurons of the spiking layer). */
  spikingUnits: number[];
  /** The activity penalty per soft-LIF layer (config `sparsity`), or null. */
  penalty: LayerPenalty | null;
  /** Tick of the exported spiking network, seconds: rate (Hz) × dt = spikes per neuron per tick. */
  dt: number;
}

export function planNetwork(config: TrainConfig, inputCHW: [number, number, number]): Plan {
  const [c0, h0, w0] = inputCHW;
  let shape: number[] = [h0, w0, c0];
  const shapes: number[][] = [];
  const params: TrainableParam[] = [];
  const paramIndex: number[] = [];
  config.layers.forEach((layer, i) => {
    paramIndex.push(-1);
    if (layer.type === "conv2d") {
      if (shape.length !== 3) throw new Error(`layer ${i}: conv2d after a dense layer`);
      const [h, w, c] = shape;
      const oh = Math.floor((h + 2 * layer.padding - layer.kernel) / layer.stride) + 1;
      const ow = Math.floor((w + 2 * layer.padding - layer.kernel) / layer.stride) + 1;
      if (oh < 1 || ow < 1)
        throw new Error(`layer ${i}: conv2d kernel larger than its ${h}×${w} input`);
      paramIndex[i] = params.length;
      params.push({
        name: `layer${i}.kernel`,
        shape: [layer.kernel, layer.kernel, c, layer.filters],
        kind: "weight",
      });
      params.push({ name: `layer${i}.bias`, shape: [layer.filters], kind: "bias" });
      shape = [oh, ow, layer.filters];
    } else if (layer.type === "avgpool2d") {
      if (shape.length !== 3) throw new Error(`layer ${i}: avgpool2d after a dense layer`);
      const s = layer.stride ?? layer.size;
      const [h, w, c] = shape;
      shape = [Math.floor((h - layer.size) / s) + 1, Math.floor((w - layer.size) / s) + 1, c];
    } else if (layer.type === "dense") {
      const n = shape.reduce((a, b) => a * b, 1);
      paramIndex[i] = params.length;
      params.push({ name: `layer${i}.kernel`, shape: [n, layer.units], kind: "weight" });
      params.push({ name: `layer${i}.bias`, shape: [layer.units], kind: "bias" });
      shape = [layer.units];
    }
    shapes.push(shape);
  });
  const spikingLayers = config.layers
    .map((l, i) =>
      (l.type === "conv2d" || l.type === "dense") && l.activation === "soft_lif" ? i : -1,
    )
    .filter((i) => i >= 0);
  return {
    input: [h0, w0, c0],
    layers: config.layers,
    shapes,
    params,
    paramIndex,
    neuron: config.neuron,
    spikingLayers,
    spikingUnits: spikingLayers.map((i) => shapes[i].reduce((a, b) => a * b, 1)),
    penalty: layerPenalty(config.sparsity, spikingLayers.length),
    dt: config.spiking.dt,
  };
}

export function paramCount(plan: Plan): number {
  return plan.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** He-uniform weights halved for soft-LIF (slope ≈ 1–2 above threshold), zero biases. */
export function initParams(plan: Plan, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const last = plan.params.length - 2;
  return plan.params.map((p, index) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(size);
    if (p.kind === "weight") {
      const fanIn = p.shape.length === 4 ? p.shape[0] * p.shape[1] * p.shape[2] : p.shape[0];
      // The class-score layer starts small so the initial loss is near log(classes).
      const limit = Math.sqrt(6 / fanIn) * (index === last ? 0.1 : 0.5);
      for (let k = 0; k < size; k++) out[k] = (rng.next() * 2 - 1) * limit;
    }
    return out;
  });
}

/** Per-call randomness: noise and dropout seeds (absent = inference). */
export interface ForwardNoise {
  seed: number;
}

/**
 * Runs the network on x [N, H, W, C] and returns the logits [N, classes]. With `noise`,
 * soft-LIF noise and dropout are active (training); without, the network is deterministic.
 * `rates`, when given, receives each soft-LIF layer's per-sample rate [N] in spikes per neuron
 * per tick (its output over the amplitude, times dt), in layer order: the penalty's input.
 */
export function forward(
  plan: Plan,
  params: tf.Tensor[],
  x: tf.Tensor4D,
  noise?: ForwardNoise,
  rates?: tf.Tensor1D[],
): tf.Tensor2D {
  const perTick = plan.dt / plan.neuron.amplitude;
  const collect = (h: tf.Tensor) => {
    if (!rates) return;
    const flat = tf.reshape(h, [h.shape[0], -1]);
    rates.push(tf.mul(tf.mean(flat, 1), perTick) as tf.Tensor1D);
  };
  let h: tf.Tensor = x;
  plan.layers.forEach((layer, i) => {
    const sub = noise ? (noise.seed + 7919 * (i + 1)) >>> 0 : undefined;
    if (layer.type === "conv2d") {
      const k = plan.paramIndex[i];
      h = tf.add(
        tf.conv2d(h as tf.Tensor4D, params[k] as tf.Tensor4D, layer.stride, layer.padding),
        params[k + 1],
      );
      if (layer.activation === "soft_lif") {
        h = softLif(h, plan.neuron, sub);
        collect(h);
      }
    } else if (layer.type === "avgpool2d") {
      h = tf.avgPool(h as tf.Tensor4D, layer.size, layer.stride ?? layer.size, "valid");
    } else if (layer.type === "dense") {
      const k = plan.paramIndex[i];
      if (h.rank !== 2) h = tf.reshape(h, [h.shape[0], -1]);
      h = tf.add(tf.matMul(h as tf.Tensor2D, params[k] as tf.Tensor2D), params[k + 1]);
      if (layer.activation === "soft_lif") {
        h = softLif(h, plan.neuron, sub);
        collect(h);
      }
    } else if (layer.type === "dropout") {
      if (noise && layer.rate > 0) h = tf.dropout(h, layer.rate, undefined, sub);
    }
  });
  return (h.rank === 2 ? h : tf.reshape(h, [h.shape[0], -1])) as tf.Tensor2D;
}

/** Each soft-LIF layer's output (inference), for firing-rate reports: [N, ...] per layer index. */
export function forwardActivations(
  plan: Plan,
  params: tf.Tensor[],
  x: tf.Tensor4D,
): Map<number, tf.Tensor> {
  const acts = new Map<number, tf.Tensor>();
  let h: tf.Tensor = x;
  plan.layers.forEach((layer, i) => {
    if (layer.type === "conv2d") {
      const k = plan.paramIndex[i];
      h = tf.add(
        tf.conv2d(h as tf.Tensor4D, params[k] as tf.Tensor4D, layer.stride, layer.padding),
        params[k + 1],
      );
      if (layer.activation === "soft_lif") h = softLif(h, plan.neuron);
      acts.set(i, h);
    } else if (layer.type === "avgpool2d") {
      h = tf.avgPool(h as tf.Tensor4D, layer.size, layer.stride ?? layer.size, "valid");
    } else if (layer.type === "dense") {
      const k = plan.paramIndex[i];
      if (h.rank !== 2) h = tf.reshape(h, [h.shape[0], -1]);
      h = tf.add(tf.matMul(h as tf.Tensor2D, params[k] as tf.Tensor2D), params[k + 1]);
      if (layer.activation === "soft_lif") h = softLif(h, plan.neuron);
      acts.set(i, h);
    }
  });
  return acts;
}
