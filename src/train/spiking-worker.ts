/** Worker thread body for spiking-eval.ts: runs images through the engine, one synapse variant per job. */
import { parentPort, workerData } from "node:worker_threads";
import { encoderForModel } from "../encode/index.js";
import type { InputEncoder } from "../encode/index.js";
import { createNetwork } from "../snn/create-network.js";
import { parseModel } from "../snn/model.js";
import type { Network } from "../snn/network.js";
import {
  withSynapse,
  type SpikingJob,
  type SpikingJobResult,
  type SpikingWorkerInit,
} from "./spiking-eval.js";

const init = workerData as SpikingWorkerInit;
const port = parentPort;
if (!port) throw new Error("spiking-worker must run as a worker thread");

const networks = new Map<string, { net: Network; encoder: InputEncoder | null }>();

function networkFor(synapseKey: string): { net: Network; encoder: InputEncoder | null } {
  let entry = networks.get(synapseKey);
  if (!entry) {
    const json = withSynapse(init.modelJson, synapseKey);
    const model = parseModel(json, init.weights, `${init.source} [synapse ${synapseKey}]`);
    const net = createNetwork(model, { engine: "fast" });
    // The constant current is computed here once per image (float32, as eval always has);
    // every other encoder ticks as in the node.
    const encoder =
      model.spec.input.encoder.type === "constant" ? null : encoderForModel(model.spec);
    entry = { net, encoder };
    networks.set(synapseKey, entry);
  }
  return entry;
}

port.on("message", (job: SpikingJob) => {
  try {
    port.postMessage(runJob(job));
  } catch (err) {
    port.postMessage({ error: (err as Error).stack ?? String(err) });
  }
});
port.postMessage({ ready: true });

function runJob(job: SpikingJob): SpikingJobResult {
  const { net, encoder } = networkFor(job.synapse);
  const model = net.model;
  const enc = model.spec.input.encoder;
  const size = model.inputSize;
  // The readout the model names: a membrane readout sums the last layer's membrane; the others
  // its output (spike_count and mean_output rank classes alike: output = spikes × height).
  const membrane = model.spec.readout.type === "membrane";
  const classes = model.outputSize;
  const T = job.timesteps;
  const windows = job.windows;
  const cum = new Float64Array((T + 1) * classes);
  const current = new Float32Array(size);
  const preds = new Int16Array(job.count * windows.length);
  const stages = net.counters().layers.length;
  const spikes = new Float64Array(stages);
  const synops = new Float64Array(stages);
  const neurons = new Float64Array(stages);
  const layerIndex = new Float64Array(stages);
  let neuronUpdates = 0;
  let annMacs = 0;
  let inputOps = 0;
  for (let k = 0; k < job.count; k++) {
    net.reset();
    if (encoder === null) {
      if (enc.type !== "constant") throw new Error(`${model.source}: no encoder for "${enc.type}"`);
      for (let i = 0; i < size; i++) current[i] = enc.gain * job.pixels[k * size + i] + enc.bias;
    } else {
      if (!encoder.carriesState) encoder.reset();
      encoder.present(job.pixels.subarray(k * size, (k + 1) * size));
    }
    for (let t = 0; t < T; t++) {
      if (encoder === null) net.tick(current, true);
      else net.tick(encoder.tick(), encoder.constant);
      const out = membrane ? net.membrane : net.output;
      const base = t * classes;
      for (let c = 0; c < classes; c++) cum[base + classes + c] = cum[base + c] + out[c];
    }
    for (let w = 0; w < windows.length; w++) {
      const [s, e] = windows[w];
      let best = 0;
      let bestV = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = cum[e * classes + c] - cum[s * classes + c];
        if (v > bestV) {
          bestV = v;
          best = c;
        }
      }
      preds[k * windows.length + w] = best;
    }
    const counters = net.counters();
    counters.layers.forEach((l, i) => {
      spikes[i] += l.spikes;
      synops[i] += l.synapticOps;
      neurons[i] = l.neurons;
      layerIndex[i] = l.layer;
    });
    neuronUpdates += counters.total.neuronUpdates;
    annMacs += counters.total.annMacs;
    inputOps += counters.inputOps ?? 0;
  }
  return { preds, spikes, synops, neurons, layerIndex, neuronUpdates, annMacs, inputOps };
}
