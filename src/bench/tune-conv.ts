/**
 * Tunes the biases of the benchmark conv network (conv-model.ts) so each hidden layer fires near
 * a target rate on the golden inputs, layer by layer, by bisection. Prints the parameters to paste
 * into CONV_DEFAULTS. Run: npx tsx src/bench/tune-conv.ts [targetHz]
 */
import { readFileSync } from "node:fs";
import { createNetwork, parseModel } from "../snn/index.js";
import { CONV_DEFAULTS, makeConvModel } from "./conv-model.js";
import type { ConvModelParams } from "./conv-model.js";

const target = Number(process.argv[2] ?? 20);
const bytes = readFileSync(new URL("../../test/fixtures/golden/inputs.f32", import.meta.url));
const inputs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const frames = 4;

function rates(params: ConvModelParams): number[] {
  const { json, weights } = makeConvModel(params);
  const net = createNetwork(parseModel(json, weights, "bench-conv"));
  const spikes = [0, 0, 0, 0];
  let neurons: number[] = [];
  for (let f = 0; f < frames; f++) {
    const c = net.run(inputs.subarray(f * 784, (f + 1) * 784)).counters;
    c.layers.forEach((l, k) => (spikes[k] += l.spikes));
    neurons = c.layers.map((l) => l.neurons);
  }
  return spikes.map((s, k) => s / neurons[k] / frames / 0.1);
}

const params: ConvModelParams = structuredClone(CONV_DEFAULTS);
for (let k = 0; k < 4; k++) {
  let lo = -1;
  let hi = 3;
  for (let it = 0; it < 13; it++) {
    params.bias[k] = (lo + hi) / 2;
    const r = rates(params)[k];
    if (r > target) hi = params.bias[k];
    else lo = params.bias[k];
  }
  params.bias[k] = Number(((lo + hi) / 2).toFixed(4));
  console.error(`layer ${k}: bias ${params.bias[k]} -> ${rates(params)[k].toFixed(2)} Hz`);
}
console.log(JSON.stringify(params));
console.log(
  "rates (Hz):",
  rates(params)
    .map((r) => r.toFixed(2))
    .join(", "),
);
