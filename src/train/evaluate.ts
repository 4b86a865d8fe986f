/**
 * Evaluation of an exported model on a dataset: spiking accuracy with our engine (worker
 * threads), the same weights as a rate network (soft-LIF models only), firing rates, synaptic
 * operations, and accuracy against timesteps and synapse (frame encoders only: under a sequence
 * encoder the sequence fixes the timesteps).
 */
import { cameraInputs, framingName, type CameraFraming } from "./camera-frames.js";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { loadModel } from "../snn/model-file.js";
import type { Model } from "../snn/model.js";
import { isSpikingNeuron } from "../snn/model.js";
import type { ModelSpecInput } from "../snn/model-spec.js";
import type { HardwareProfile } from "../power/index.js";
import { ensureBackend } from "./backend.js";
import { hasCheckpoint, loadCheckpoint } from "./checkpoint.js";
import { splitTrainValidation } from "./trainer.js";
import { evalEnergy, evalProfiles, type EvalEnergy } from "./eval-energy.js";
import { loadDataset, type DatasetName } from "./datasets/index.js";
import type { ImageSet } from "./datasets/types.js";
import { lineChartSvg, sideBySideSvg, type Series } from "./plot.js";
import { rateEvaluate, rateNetworkUnavailable } from "./rate-eval.js";
import {
  spikingEvaluate,
  withInitialVoltage,
  type InitialVoltageChoice,
  type SpikingSummary,
} from "./spiking-eval.js";

export interface EvaluateOptions {
  modelDir: string;
  dataset: DatasetName;
  /** validation: the images the model's training held out (needs <model>/checkpoint). */
  split: "train" | "test" | "validation";
  limit?: number;
  /** Ticks per image; default the model's presentation.timesteps (fixed under a sequence encoder). */
  timesteps?: number;
  /** Synapse variants (see parseSynapseName); the first is the headline figure. */
  synapses: string[];
  threads?: number;
  dataDir?: string;
  /** Profiles the energy per image is reported under (default: every built-in profile). */
  profiles?: HardwareProfile[];
  onProgress?: (done: number, total: number) => void;
  /** Camera-framed images instead of the dataset's own (camera-frames.ts); null/absent: native. */
  framing?: CameraFraming | null;
  /** LIF layers' initial membrane for the spiking runs (default: the model's). */
  initialVoltage?: InitialVoltageChoice;
}

export interface SweepPoint {
  synapse: string;
  timesteps: number;
  start: number;
  accuracy: number;
}

export interface EvalReport {
  model: string;
  dataset: string;
  split: string;
  /** "native" (the dataset's images) or the camera framing the images went through. */
  framing?: string;
  images: number;
  threads: number;
  seconds: number;
  /** The same weights as a rate network; null where there is none (see rateNote). */
  rate: { accuracy: number; meanRateHz: (number | null)[] } | null;
  /** Why `rate` is null (ALIF/leaky-integrator neurons, recurrent layers, non-constant encoder). */
  rateNote?: string;
  /** The model's own presentation: its readout window (clipped to the timesteps run). */
  spiking: {
    synapse: string;
    timesteps: number;
    window: [number, number];
    accuracy: number;
    layers: SpikingSummary["layers"];
    synopsPerImage: number;
    spikesPerImage: number;
    neuronUpdatesPerImage: number;
    /** Multiply-accumulates of the same network run conventionally (RNN over the sequence). */
    annMacsPerImage: number;
    /** Of synopsPerImage, the operations driven by input values (MACs under an analog encoder). */
    inputOpsPerImage: number;
    /** Mean over the spiking (LIF, ALIF) neurons, Hz. */
    meanRateHz: number;
    /** Mean over the spiking neurons, spikes per neuron per step (Yin et al.'s firing rate). */
    spikesPerNeuronPerStep: number;
  };
  /** Every synapse variant at every swept (timesteps, window start); empty when sweepNote says why. */
  sweep: SweepPoint[];
  sweepNote?: string;
  perSynapse: SpikingSummary[];
  /**
   * Energy per image under each profile, with the per-layer counts it is computed from (the
   * headline synapse's run; src/train/eval-energy.ts). Absent in reports written before it.
   */
  energy?: EvalEnergy;
}

/** Dataset images as channels-first floats in [0, 1] after the model's preprocess (mean/std, invert). */
export function modelInputs(
  set: ImageSet,
  model: Model,
  limit?: number,
): { pixels: Float32Array; labels: Uint8Array; count: number } {
  const [c, h, w] = model.inputShape;
  const [C, H, W] = set.shape;
  if (C !== c || H < h || W < w) {
    throw Object.assign(
      new Error(
        `${model.source} expects input [${c}, ${h}, ${w}] but ${set.name} images are [${set.shape.join(", ")}]`,
      ),
      { userFacing: true },
    );
  }
  // Larger images (CIFAR-10 for a model trained on crops) are centre-cropped, as in training.
  const oy = (H - h) >> 1;
  const ox = (W - w) >> 1;
  const count = Math.min(set.count, limit ?? set.count);
  const pre = model.spec.input.preprocess;
  const size = c * h * w;
  const srcSize = C * H * W;
  const pixels = new Float32Array(count * size);
  for (let k = 0; k < count; k++) {
    for (let ch = 0; ch < c; ch++) {
      const mean = pre.mean?.[ch] ?? 0;
      const std = pre.std?.[ch] ?? 1;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let v = set.pixels[k * srcSize + ((y + oy) * W + x + ox) * C + ch] / 255;
          if (pre.invert) v = 1 - v;
          pixels[k * size + (ch * h + y) * w + x] = (v - mean) / std;
        }
      }
    }
  }
  return { pixels, labels: set.labels.subarray(0, count), count };
}

/** The validation images held out by the training run whose checkpoint sits beside the model. */
function validationSet(opts: EvaluateOptions): ImageSet {
  const dir = join(
    opts.modelDir.endsWith(".json") ? dirname(opts.modelDir) : opts.modelDir,
    "checkpoint",
  );
  if (!hasCheckpoint(dir)) {
    throw Object.assign(
      new Error(
        `--split validation needs the training checkpoint in ${dir} (it defines the held-out images)`,
      ),
      {
        userFacing: true,
      },
    );
  }
  const config = loadCheckpoint(dir).meta.config;
  if (config.dataset.name !== opts.dataset) {
    throw Object.assign(
      new Error(`${dir} was trained on ${config.dataset.name}, not ${opts.dataset}`),
      { userFacing: true },
    );
  }
  const { validation } = splitTrainValidation(
    loadDataset(opts.dataset, "train", opts.dataDir),
    config,
  );
  if (!validation)
    throw Object.assign(new Error(`${dir}: the training run held out no validation images`), {
      userFacing: true,
    });
  return validation;
}

/** The synapse of the model's weighted layers, e.g. "alpha:0.003" (or "mixed"). */
export function describeSynapse(model: Model): string {
  const names = new Set(
    model.spec.layers.flatMap((l) =>
      l.type === "dense" || l.type === "conv2d" || l.type === "recurrent_dense"
        ? [l.synapse.type === "none" ? "none" : `${l.synapse.type}:${l.synapse.tau}`]
        : [],
    ),
  );
  return names.size === 1 ? [...names][0] : "mixed";
}

/** Timesteps swept for the accuracy plot: a fixed ladder up to T, and T itself. */
export function sweepTimesteps(T: number): number[] {
  const ladder = [10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400, 500];
  return [...new Set([...ladder.filter((t) => t < T), T])];
}

export async function evaluateModel(opts: EvaluateOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const model = await loadModel(opts.modelDir);
  const file = opts.modelDir.endsWith(".json") ? opts.modelDir : join(opts.modelDir, "model.json");
  const modelJson = withInitialVoltage(
    JSON.parse(await readFile(file, "utf8")) as ModelSpecInput,
    opts.initialVoltage ?? "model",
  );
  const weights = new Uint8Array(await readFile(resolve(dirname(file), model.spec.weights.file)));
  const set =
    opts.split === "validation"
      ? validationSet(opts)
      : loadDataset(opts.dataset, opts.split, opts.dataDir);
  const { pixels, labels, count } = opts.framing
    ? await cameraInputs(set, model, opts.framing, opts.limit)
    : modelInputs(set, model, opts.limit);

  const rateNote = rateNetworkUnavailable(model);
  let rate: EvalReport["rate"] = null;
  if (rateNote === null) {
    await ensureBackend();
    const r = rateEvaluate(model, pixels, count);
    let rateCorrect = 0;
    for (let k = 0; k < count; k++) if (r.predictions[k] === labels[k]) rateCorrect++;
    rate = { accuracy: rateCorrect / count, meanRateHz: r.meanRateHz };
  }

  const sequence = model.sequenceLength;
  if (sequence !== null && opts.timesteps !== undefined && opts.timesteps !== sequence) {
    throw Object.assign(
      new Error(
        `--timesteps ${opts.timesteps}: ${model.source} reads each image as a ${model.spec.input.encoder.type} sequence of ${sequence} ticks, which fixes the timesteps; leave --timesteps out`,
      ),
      { userFacing: true },
    );
  }
  const T = sequence ?? opts.timesteps ?? model.spec.presentation.timesteps;
  const win = model.spec.readout.window;
  const modelEnd = Math.min(win.end ?? model.spec.presentation.timesteps, T);
  const modelStart = Math.min(win.start, modelEnd - 1);
  const startFraction = win.start / (win.end ?? model.spec.presentation.timesteps);
  const windows: [number, number][] = [[modelStart, modelEnd]];
  // A shorter sequence would be a different input, not an earlier look at the same one.
  const sweepNote =
    sequence === null
      ? undefined
      : `no timestep sweep: the ${model.spec.input.encoder.type} encoder presents each image as a sequence of ${sequence} ticks`;
  if (sequence === null) {
    for (const t of sweepTimesteps(T)) {
      for (const s of new Set([0, Math.round(t * startFraction)])) windows.push([s, t]);
    }
  }
  const threads = opts.threads ?? availableParallelism();
  const per = await spikingEvaluate(
    { modelJson, weights, source: file },
    model.inputSize,
    pixels,
    labels,
    count,
    {
      threads,
      timesteps: T,
      windows,
      synapses: opts.synapses,
      onProgress: opts.onProgress,
    },
  );
  const head = per[0];
  const spikingLayers = head.layers.filter((l) => {
    const spec = model.layers[l.layer].spec;
    return "neuron" in spec && isSpikingNeuron(spec.neuron);
  });
  const totalNeurons = spikingLayers.reduce((a, l) => a + l.neurons, 0);
  const spikingSpikes = spikingLayers.reduce((a, l) => a + l.spikesPerImage, 0);
  const sweep: SweepPoint[] = per.flatMap((s) =>
    s.windows.slice(1).map(([start, end], i) => ({
      synapse: s.synapse,
      timesteps: end,
      start,
      accuracy: s.accuracy[i + 1],
    })),
  );
  const energy = evalEnergy(
    model,
    { timesteps: T, inputOpsPerImage: head.inputOpsPerImage, layers: head.layers },
    opts.profiles ?? evalProfiles(),
  );
  return {
    model: model.spec.name,
    dataset: opts.dataset,
    split: opts.split,
    framing: opts.framing ? framingName(opts.framing) : "native",
    images: count,
    threads,
    seconds: (performance.now() - t0) / 1000,
    rate,
    ...(rateNote === null ? {} : { rateNote: `no rate network: ${rateNote}` }),
    spiking: {
      synapse: head.synapse === "model" ? `model (${describeSynapse(model)})` : head.synapse,
      timesteps: T,
      window: [modelStart, modelEnd],
      accuracy: head.accuracy[0],
      layers: head.layers,
      synopsPerImage: head.synopsPerImage,
      spikesPerImage: head.spikesPerImage,
      neuronUpdatesPerImage: head.neuronUpdatesPerImage,
      annMacsPerImage: head.annMacsPerImage,
      inputOpsPerImage: head.inputOpsPerImage,
      meanRateHz: totalNeurons > 0 ? spikingSpikes / totalNeurons / (T * model.spec.dt) : 0,
      spikesPerNeuronPerStep: totalNeurons > 0 ? spikingSpikes / totalNeurons / T : 0,
    },
    sweep,
    ...(sweepNote === undefined ? {} : { sweepNote }),
    perSynapse: per,
    energy,
  };
}

/** Accuracy against timesteps, one line per synapse and readout rule, the rate network dashed. */
export function accuracyPlotSvg(report: EvalReport): string {
  if (report.sweep.length === 0) {
    throw Object.assign(
      new Error(`${report.model}: nothing to plot (${report.sweepNote ?? "no timestep sweep"})`),
      { userFacing: true },
    );
  }
  const series: Series[] = [];
  report.perSynapse.forEach((syn, k) => {
    const pts = report.sweep.filter((p) => p.synapse === syn.synapse);
    const late = new Map<number, number>();
    const all = new Map<number, number>();
    for (const p of pts) {
      if (p.start === 0) all.set(p.timesteps, 100 * p.accuracy);
      if (p.start > 0 || !late.has(p.timesteps)) late.set(p.timesteps, 100 * p.accuracy);
    }
    const name = syn.synapse === "model" ? report.spiking.synapse : syn.synapse;
    series.push({
      label: `${name}, late window`,
      points: [...late.entries()].sort((a, b) => a[0] - b[0]),
      color: k,
    });
    series.push({
      label: `${name}, whole`,
      points: [...all.entries()].sort((a, b) => a[0] - b[0]),
      dashed: true,
      color: k,
    });
  });
  const xs = report.sweep.map((p) => p.timesteps);
  if (report.rate !== null) {
    series.push({
      color: 7,
      label: "rate network",
      points: [
        [Math.min(...xs), 100 * report.rate.accuracy],
        [Math.max(...xs), 100 * report.rate.accuracy],
      ],
      dashed: true,
    });
  }
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const top = Math.min(100, Math.ceil(Math.max(...ys) + 0.5));
  const title = `${report.model}: spiking accuracy, ${report.dataset} ${report.split} (${report.images} images)`;
  const xLabel = "timesteps (1 ms each)";
  // Every point on one axis from a round floor below the lowest (short T sits near chance)...
  const all = lineChartSvg(series, {
    title,
    xLabel,
    yLabel: "accuracy (%)",
    yMin: Math.max(0, Math.floor(Math.min(...ys) / 10) * 10),
    yMax: top,
    width: 900,
    height: 460,
    legendWidth: 260,
    id: "all",
  });
  // ...and, when that squeezes the plateau, a zoom on it from the first T where every line is
  // within it, so no point of either chart is cut at the frame.
  const floor = Math.max(
    0,
    Math.floor(Math.min(...ys.filter((y) => y > 0.5 * Math.max(...ys))) - 1),
  );
  const ts = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const from = ts.find((t) =>
    series.every((s) => s.points.every((p) => p[0] < t || p[1] >= floor)),
  );
  if (from === undefined || from === ts[0] || from === ts.at(-1) || top - floor >= 50) return all;
  const zoomed = series.map((s) => ({
    ...s,
    points: s.points.filter((p) => p[0] >= from) as [number, number][],
  }));
  const rate = zoomed.find((s) => s.label === "rate network");
  if (rate)
    rate.points = [
      [from, rate.points[0]?.[1] ?? 0],
      [ts.at(-1)!, rate.points[0]?.[1] ?? 0],
    ];
  const zoom = lineChartSvg(zoomed, {
    title: `zoom: T ≥ ${from}`,
    xLabel,
    yLabel: "accuracy (%)",
    yMin: Math.max(
      0,
      Math.floor(Math.min(...zoomed.flatMap((s) => s.points.map((p) => p[1]))) - 1),
    ),
    yMax: top,
    width: 520,
    height: 460,
    legend: false,
    id: "zoom",
  });
  return sideBySideSvg([all, zoom], [900, 520], 460);
}
