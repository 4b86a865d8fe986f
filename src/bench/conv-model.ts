/**
 * The benchmark's conv network, with synthetic seeded weights (no training needed):
 * 1x28x28 -> conv 32@3x3 (stride 1, padding 1) -> avgpool 2 -> conv 64@3x3 (padding 1) ->
 * avgpool 2 -> flatten -> dense 512 -> dense 10, LIF (tau_rc 20 ms, tau_ref 2 ms) everywhere,
 * no synapse, T = 100, dt = 1 ms. Padding 1 keeps 28x28 and 14x14 maps (25 088 and 12 544
 * neurons). Weights are Gaussian; each layer's bias was tuned (src/bench/tune-conv.ts, on the
 * golden inputs) so the hidden layers fire near 20 Hz.
 */
import type { ModelSpecInput } from "../snn/model-spec.js";
import { uniform } from "./uniform.js";

/** Gaussian weight scale and constant bias per weighted layer. */
export interface ConvModelParams {
  seed: number;
  weightStd: [number, number, number, number];
  bias: [number, number, number, number];
}

export const CONV_DEFAULTS: ConvModelParams = {
  seed: 20240601,
  weightStd: [0.6, 0.004, 0.001, 0.002],
  bias: [0.9089, -0.7278, -0.3972, -0.03],
};

/** Box-Muller normals from the seeded uniform stream. */
function normals(seed: number): () => number {
  const next = uniform(seed);
  return () => {
    const u = 1 - next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

export function makeConvModel(params: ConvModelParams = CONV_DEFAULTS): {
  json: ModelSpecInput;
  weights: Uint8Array;
} {
  const tensors: { shape: number[]; fill: (i: number) => number }[] = [];
  const next = normals(params.seed);
  const shapes = [
    [32, 1, 3, 3],
    [64, 32, 3, 3],
    [512, 64 * 7 * 7],
    [10, 512],
  ];
  shapes.forEach((shape, k) => {
    tensors.push({ shape, fill: () => next() * params.weightStd[k] });
    tensors.push({ shape: [shape[0]], fill: () => params.bias[k] });
  });
  const total = tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  const values = new Float32Array(total);
  const refs: { offset: number; shape: number[] }[] = [];
  let at = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((x, y) => x * y, 1);
    refs.push({ offset: at * 4, shape: t.shape });
    for (let i = 0; i < count; i++) values[at + i] = t.fill(i);
    at += count;
  }
  const lif = { model: "lif" as const, tau_rc: 0.02, tau_ref: 0.002 };
  const json: ModelSpecInput = {
    format: "spikenode-model",
    version: 1,
    name: "bench-conv",
    description: "Synthetic seeded conv network for benchmarks (not trained; classes meaningless).",
    dt: 0.001,
    weights: { file: "weights.bin", bytes: total * 4 },
    input: { shape: [1, 28, 28], encoder: { type: "constant", gain: 1, bias: 0 } },
    presentation: { mode: "reset", timesteps: 100 },
    layers: [
      { type: "conv2d", weights: refs[0], bias: refs[1], padding: [1, 1], neuron: lif },
      { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
      { type: "conv2d", weights: refs[2], bias: refs[3], padding: [1, 1], neuron: lif },
      { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
      { type: "flatten" },
      { type: "dense", weights: refs[4], bias: refs[5], neuron: lif },
      { type: "dense", weights: refs[6], bias: refs[7], neuron: lif },
    ],
    readout: { type: "spike_count" },
    labels: Array.from({ length: 10 }, (_, i) => String(i)),
    provenance: {
      method: "synthetic",
      seed: params.seed,
      note: "Gaussian weights; biases tuned for ~20 Hz hidden layers (src/bench/tune-conv.ts)",
    },
  };
  return { json, weights: new Uint8Array(values.buffer) };
}
