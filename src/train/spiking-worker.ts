/** Worker thread body for spiking-eval.ts: runs images through the engine, one synapse variant per job. */
import { parentPort, workerData } from "node:worker_threads";
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

const networks = new Map<string, Network>();

function networkFor(synapseKey: string): Network {
  let net = networks.get(synapseKey);
  if (!net) {
    const json = withSynapse(init.modelJson, synapseKey);
    net = createNetwork(parseModel(json, init.weights, `${init.source} [synapse ${synapseKey}]`), {
      engine: "fast",
    });
    networks.set(synapseKey, net);
  }
  return net;
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
  const net = networkFor(job.synapse);
  const model = net.model;
  const enc = model.spec.input.encoder;
  if (enc.type !== "constant")
    throw new Error(
      `${model.source}: evaluation drives the constant encoder only, not "${enc.type}"`,
    );
  const size = model.inputSize;
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
  for (let k = 0; k < job.count; k++) {
    for (let i = 0; i < size; i++) current[i] = enc.gain * job.pixels[k * size + i] + enc.bias;
    net.reset();
    for (let t = 0; t < T; t++) {
      net.tick(current, true);
      const out = net.output;
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
  }
  return { preds, spikes, synops, neurons, layerIndex, neuronUpdates };
}
