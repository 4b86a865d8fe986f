/**
 * Spiking evaluation with our engine (src/snn), in worker threads: every image is presented for
 * T ticks (state reset per image) through the model's encoder, the output layer's per-tick output
 * (its membrane for a membrane readout) is summed over readout windows [start, end) and the class
 * is the argmax. One simulation per image and synapse gives
 * the accuracy of every window up to T, which is how accuracy against timesteps is measured.
 */
import type { Worker } from "node:worker_threads";
import { spawnWorker } from "./spawn-worker.js";
import type { ModelSpecInput } from "../snn/model-spec.js";

export interface SpikingWorkerInit {
  modelJson: ModelSpecInput;
  weights: Uint8Array;
  source: string;
}

export interface SpikingJob {
  /** "model" (as in the file), "none", "lowpass:<tau>" or "alpha:<tau>" (seconds), applied to every weighted layer. */
  synapse: string;
  pixels: Float32Array;
  count: number;
  timesteps: number;
  /** Readout windows [start, end) in ticks, end ≤ timesteps. */
  windows: [number, number][];
}

export interface SpikingJobResult {
  preds: Int16Array;
  spikes: Float64Array;
  synops: Float64Array;
  neurons: Float64Array;
  /** Model layer index of each counted stage. */
  layerIndex: Float64Array;
  neuronUpdates: number;
  /** Conventional-network multiply-accumulates, summed over the job's images. */
  annMacs: number;
  /** Synaptic operations driven by the network input (see FrameCounters.inputOps), summed. */
  inputOps: number;
}

export interface SpikingSummary {
  synapse: string;
  images: number;
  timesteps: number;
  windows: [number, number][];
  /** Accuracy for each window. */
  accuracy: number[];
  layers: {
    layer: number;
    neurons: number;
    rateHz: number;
    /** Spikes per neuron per tick (Yin et al.'s firing rate). */
    spikesPerNeuronPerStep: number;
    spikesPerImage: number;
    synopsPerImage: number;
  }[];
  synopsPerImage: number;
  spikesPerImage: number;
  neuronUpdatesPerImage: number;
  /** Multiply-accumulates of the same network run conventionally (an RNN over the sequence). */
  annMacsPerImage: number;
  /**
   * Of synopsPerImage, the operations driven by the input values (multiply-accumulates under an
   * analog encoder: constant, rows, pixel_windows); the rest are spike-driven accumulates.
   */
  inputOpsPerImage: number;
}

/** Parses a synapse name: model | none | lowpass:<tau s> | alpha:<tau s>. */
export function parseSynapseName(
  name: string,
): { type: "none" } | { type: "lowpass" | "alpha"; tau: number } | null {
  if (name === "model") return null;
  if (name === "none") return { type: "none" };
  const m = /^(lowpass|alpha):([0-9.eE+-]+)$/.exec(name);
  const tau = m ? Number(m[2]) : NaN;
  if (!m || !(tau > 0)) {
    throw Object.assign(
      new Error(
        `synapse "${name}" not understood; use model, none, lowpass:<tau seconds> or alpha:<tau seconds>, e.g. alpha:0.005`,
      ),
      {
        userFacing: true,
      },
    );
  }
  return { type: m[1] as "lowpass" | "alpha", tau };
}

/** A copy of the model JSON with every weighted layer's synapse replaced (unless "model"). */
export function withSynapse(json: ModelSpecInput, name: string): ModelSpecInput {
  const syn = parseSynapseName(name);
  const copy = JSON.parse(JSON.stringify(json)) as ModelSpecInput;
  if (!syn) return copy;
  for (const layer of copy.layers) {
    if (layer.type === "dense" || layer.type === "conv2d" || layer.type === "recurrent_dense")
      layer.synapse = syn;
  }
  return copy;
}

/** `eval --initial-voltage`: keep the model's LIF initial membrane, or set every LIF layer's. */
export type InitialVoltageChoice = "model" | "zero" | "uniform";

/**
 * A copy of the model JSON with every LIF layer's initial membrane replaced: "zero" removes
 * it, "uniform" draws it from [0, v_th) as Nengo's LIF does (neurons/lif.ts); "model" keeps it.
 */
export function withInitialVoltage(
  json: ModelSpecInput,
  choice: InitialVoltageChoice,
): ModelSpecInput {
  const copy = JSON.parse(JSON.stringify(json)) as ModelSpecInput;
  if (choice === "model") return copy;
  for (const layer of copy.layers) {
    if (!("neuron" in layer) || layer.neuron === undefined || layer.neuron.model !== "lif")
      continue;
    const neuron = layer.neuron as { initial_voltage?: unknown; v_th?: number };
    if (choice === "zero") delete neuron.initial_voltage;
    else neuron.initial_voltage = { distribution: "uniform", low: 0, high: neuron.v_th ?? 1 };
  }
  return copy;
}

export interface SpikingEvalOptions {
  threads: number;
  timesteps: number;
  windows: [number, number][];
  synapses: string[];
  /** Images per job (load balancing). */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Evaluates `count` images (channels-first, model.inputSize values each: pixels, before the
 * encoder) with labels, for every synapse variant. Returns one summary per synapse.
 */
export async function spikingEvaluate(
  init: SpikingWorkerInit,
  inputSize: number,
  pixels: Float32Array,
  labels: ArrayLike<number>,
  count: number,
  opts: SpikingEvalOptions,
): Promise<SpikingSummary[]> {
  const threads = Math.max(1, Math.min(opts.threads, count));
  const workers: Worker[] = [];
  try {
    for (let t = 0; t < threads; t++) {
      const w = spawnWorker("spiking-worker", init);
      await new Promise<void>((resolve, reject) => {
        w.once("message", (m: { ready?: boolean; error?: string }) =>
          m.ready ? resolve() : reject(new Error(m.error)),
        );
        w.once("error", reject);
      });
      workers.push(w);
    }
    const chunk = opts.chunk ?? 20;
    const totalJobs = opts.synapses.length * count;
    let done = 0;
    const summaries: SpikingSummary[] = [];
    for (const synapse of opts.synapses) {
      const preds = new Int16Array(count * opts.windows.length);
      let spikes: Float64Array | null = null;
      let synops: Float64Array | null = null;
      let neurons: Float64Array | null = null;
      let layerIndex: Float64Array | null = null;
      let neuronUpdates = 0;
      let annMacs = 0;
      let inputOps = 0;
      let next = 0;
      const runWorker = async (w: Worker): Promise<void> => {
        while (next < count) {
          const start = next;
          const n = Math.min(chunk, count - start);
          next += n;
          const job: SpikingJob = {
            synapse,
            pixels: pixels.slice(start * inputSize, (start + n) * inputSize),
            count: n,
            timesteps: opts.timesteps,
            windows: opts.windows,
          };
          const r = await new Promise<SpikingJobResult>((resolve, reject) => {
            const onMsg = (m: SpikingJobResult | { error: string }) => {
              w.off("error", onErr);
              if ("error" in m) reject(new Error(`spiking worker: ${m.error}`));
              else resolve(m);
            };
            const onErr = (err: Error) => {
              w.off("message", onMsg);
              reject(err);
            };
            w.once("message", onMsg);
            w.once("error", onErr);
            w.postMessage(job);
          });
          preds.set(r.preds, start * opts.windows.length);
          if (!spikes || !synops) {
            spikes = new Float64Array(r.spikes.length);
            synops = new Float64Array(r.synops.length);
          }
          for (let i = 0; i < r.spikes.length; i++) {
            spikes[i] += r.spikes[i];
            synops[i] += r.synops[i];
          }
          neurons = r.neurons;
          layerIndex = r.layerIndex;
          neuronUpdates += r.neuronUpdates;
          annMacs += r.annMacs;
          inputOps += r.inputOps;
          done += n;
          opts.onProgress?.(done, totalJobs);
        }
      };
      await Promise.all(workers.map(runWorker));
      const accuracy = opts.windows.map((_, w) => {
        let correct = 0;
        for (let k = 0; k < count; k++)
          if (preds[k * opts.windows.length + w] === labels[k]) correct++;
        return correct / count;
      });
      const sp = spikes as unknown as Float64Array;
      const sy = synops as unknown as Float64Array;
      const nu = neurons as unknown as Float64Array;
      const li = layerIndex as unknown as Float64Array;
      const seconds = opts.timesteps * (init.modelJson.dt as number);
      const layers = Array.from(sp, (s, i) => ({
        layer: li[i],
        neurons: nu[i],
        rateHz: nu[i] > 0 ? s / count / nu[i] / seconds : 0,
        spikesPerNeuronPerStep: nu[i] > 0 ? s / count / nu[i] / opts.timesteps : 0,
        spikesPerImage: s / count,
        synopsPerImage: sy[i] / count,
      }));
      summaries.push({
        synapse,
        images: count,
        timesteps: opts.timesteps,
        windows: opts.windows,
        accuracy,
        layers,
        synopsPerImage: layers.reduce((a, l) => a + l.synopsPerImage, 0),
        spikesPerImage: layers.reduce((a, l) => a + l.spikesPerImage, 0),
        neuronUpdatesPerImage: neuronUpdates / count,
        annMacsPerImage: annMacs / count,
        inputOpsPerImage: inputOps / count,
      });
    }
    return summaries;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
