/**
 * Export: trained soft-LIF weights → a spiking model in our format (models/FORMAT.md).
 * (Recurrent sequence networks export through srnn/export-srnn.ts and srnn/finish.ts; the CLI
 * (cli-train.ts) picks the exporter by the checkpoint's kind.)
 *
 * Soft-LIF computes J = gain·(W·x + b) + 1 and outputs amplitude·rate(J). The spiking layer
 * gets W' = gain·W, b' = gain·b + 1 (the gain and the threshold offset folded into the layer),
 * a LIF neuron with the training's tau_rc and tau_ref whose spikes have height amplitude/dt
 * (so their mean is amplitude·rate), and the synapse and readout window chosen for spiking.
 * Pixels enter unchanged (constant encoder, gain 1, bias 0). Layouts change from TF.js's
 * (conv [kh, kw, in, out], dense [in, out] over HWC-flattened inputs) to ours
 * (conv [out, in, kh, kw], dense [out, in] over CHW-flattened inputs); dropout disappears.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseModel } from "../snn/model.js";
import type { Layer, ModelSpecInput, Synapse } from "../snn/model-spec.js";
import { WeightsWriter } from "../snn/weights-writer.js";
import {
  hasCheckpoint,
  loadCheckpoint,
  type EpochRecord,
  type InitProvenance,
} from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { datasetClasses } from "./datasets/index.js";
import { planNetwork, type Plan } from "./net.js";
import { earlierStages, svgToPng, trainingCurvesSvg } from "./plot.js";
import { carryProvenance } from "./reexport.js";

export interface ExportOptions {
  config: TrainConfig;
  plan: Plan;
  params: Float32Array[];
  labels: string[];
  /** [C, H, W] */
  inputCHW: [number, number, number];
  history: EpochRecord[];
  /** Overrides of the config's spiking section (e.g. what evaluation chose). */
  synapse?: Synapse;
  timesteps?: number;
  readoutStart?: number;
  /** Measured accuracies to record in provenance. */
  accuracy?: Record<string, unknown>;
}

export interface ExportedModel {
  json: ModelSpecInput;
  weights: Uint8Array;
}

/** [kh, kw, in, out] → [out, in, kh, kw], scaled. */
function convWeights(w: Float32Array, shape: number[], scale: number): Float32Array {
  const [kh, kw, ci, co] = shape;
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++)
          out[((o * ci + i) * kh + y) * kw + x] = scale * w[((y * kw + x) * ci + i) * co + o];
  return out;
}

/** [in, out] with `in` in HWC order of `inShape` (or flat) → [out, in] with `in` in CHW order, scaled. */
function denseWeights(
  w: Float32Array,
  shape: number[],
  inShape: number[],
  scale: number,
): Float32Array {
  const [nIn, nOut] = shape;
  const out = new Float32Array(w.length);
  // Map each CHW input index to its HWC index.
  const hwcOf = new Int32Array(nIn);
  if (inShape.length === 3) {
    const [h, wd, c] = inShape;
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < wd; x++) hwcOf[(ch * h + y) * wd + x] = (y * wd + x) * c + ch;
  } else {
    for (let i = 0; i < nIn; i++) hwcOf[i] = i;
  }
  for (let o = 0; o < nOut; o++)
    for (let i = 0; i < nIn; i++) out[o * nIn + i] = scale * w[hwcOf[i] * nOut + o];
  return out;
}

export function buildModel(opts: ExportOptions): ExportedModel {
  const { config, plan, params } = opts;
  const n = config.neuron;
  const synapse = opts.synapse ?? config.spiking.synapse;
  const timesteps = opts.timesteps ?? config.spiking.timesteps;
  const readoutStart = opts.readoutStart ?? config.spiking.readout_start;
  const lifNeuron = {
    model: "lif",
    tau_rc: n.tau_rc,
    tau_ref: n.tau_ref,
    amplitude: n.amplitude,
    ...(config.spiking.initial_voltage === "uniform"
      ? { initial_voltage: { distribution: "uniform", low: 0, high: 1 } }
      : {}),
  } as const;
  const writer = new WeightsWriter();
  const layers: Layer[] = [];
  let shape: number[] = [plan.input[0], plan.input[1], plan.input[2]];
  plan.layers.forEach((layer, i) => {
    const k = plan.paramIndex[i];
    if (layer.type === "conv2d") {
      const lif = layer.activation === "soft_lif";
      const scale = lif ? n.gain : 1;
      const bias = Float32Array.from(params[k + 1], (b) => (lif ? n.gain * b + 1 : b));
      layers.push({
        type: "conv2d",
        weights: writer.add(convWeights(params[k], plan.params[k].shape, scale), [
          plan.params[k].shape[3],
          plan.params[k].shape[2],
          plan.params[k].shape[0],
          plan.params[k].shape[1],
        ]),
        bias: writer.add(bias, [bias.length]),
        stride: [layer.stride, layer.stride],
        padding: [layer.padding, layer.padding],
        neuron: lif ? lifNeuron : { model: "linear" },
        synapse,
      } as Layer);
    } else if (layer.type === "avgpool2d") {
      const s = layer.stride ?? layer.size;
      // No padding field: the format's default (none), so models exported before pooling
      // gained padding stay byte for byte what a re-export writes.
      layers.push({ type: "avgpool2d", kernel: [layer.size, layer.size], stride: [s, s] } as Layer);
    } else if (layer.type === "dense") {
      if (shape.length === 3) layers.push({ type: "flatten" });
      const lif = layer.activation === "soft_lif";
      const scale = lif ? n.gain : 1;
      const bias = Float32Array.from(params[k + 1], (b) => (lif ? n.gain * b + 1 : b));
      const [nIn, nOut] = plan.params[k].shape;
      layers.push({
        type: "dense",
        weights: writer.add(denseWeights(params[k], plan.params[k].shape, shape, scale), [
          nOut,
          nIn,
        ]),
        bias: writer.add(bias, [bias.length]),
        neuron: lif ? lifNeuron : { model: "linear" },
        synapse,
      } as Layer);
    }
    shape = plan.shapes[i];
  });
  const weights = writer.bytes();
  const [c] = opts.inputCHW;
  const json: ModelSpecInput = {
    format: "spikenode-model",
    version: 1,
    name: config.name,
    description: config.description,
    dt: config.spiking.dt,
    weights: { file: "weights.bin", bytes: weights.length },
    input: {
      shape: opts.inputCHW,
      preprocess: { color: c === 3 ? "rgb" : "gray", fit: "center_crop", invert: false },
      encoder: { type: "constant", gain: 1, bias: 0 },
    },
    presentation: { mode: "reset", timesteps },
    layers,
    readout: { type: "mean_output", window: { start: readoutStart } },
    labels: opts.labels,
    provenance: {
      method: "soft-lif (Hunsberger & Eliasmith 2015)",
      dataset: config.dataset.name,
      created: new Date().toISOString(),
      training: {
        neuron: n,
        epochs: opts.history.length,
        final: opts.history.at(-1) ?? null,
      },
      ...(opts.accuracy ? { accuracy: opts.accuracy } : {}),
    },
  };
  // The engine's own validation: an export the engine would reject is a bug here.
  parseModel(JSON.parse(JSON.stringify(json)), weights, `${config.name} (export)`);
  return { json, weights };
}

/**
 * Writes model.json, weights.bin, training.json and training-curves.svg into `dir`. Over a
 * model with byte-identical weights its measured accuracies and creation time are kept
 * (src/train/reexport.ts); `initFrom` draws the runs this one continued before its epochs.
 */
export function writeModel(
  dir: string,
  model: ExportedModel,
  history: EpochRecord[],
  initFrom?: InitProvenance,
  log: (line: string) => void = (line) => process.stdout.write(line + "\n"),
): string | null {
  mkdirSync(dir, { recursive: true });
  const carried = carryProvenance(dir, model.json, model.weights);
  if (carried.sameWeights) log(`${dir}: same network as before; provenance.accuracy kept`);
  if (carried.droppedAccuracy)
    log(
      `${dir}: another network than before, so the old provenance.accuracy no longer applies; measure it again (eval --record)`,
    );
  writeFileSync(join(dir, "weights.bin"), model.weights);
  writeFileSync(join(dir, "model.json"), JSON.stringify(model.json, null, 2) + "\n");
  writeFileSync(join(dir, "training.json"), JSON.stringify({ history }, null, 2) + "\n");
  if (!history.length) return null;
  const svg = trainingCurvesSvg(history, model.json.name, { before: earlierStages(initFrom) });
  writeFileSync(join(dir, "training-curves.svg"), svg);
  return svg;
}

/** writeModel, and the curves as PNG beside their SVG. */
async function writeModelAndPng(
  dir: string,
  model: ExportedModel,
  history: EpochRecord[],
  initFrom?: InitProvenance,
): Promise<void> {
  const svg = writeModel(dir, model, history, initFrom);
  if (svg) await svgToPng(svg, join(dir, "training-curves.png"));
}

/** After `spikenode train`: export the finished run into its model directory. */
export async function exportTrained(args: {
  out: string;
  /** Defaults to the config stored in <out>/checkpoint. */
  config?: TrainConfig;
  result: {
    plan: Plan;
    params: Float32Array[];
    history: EpochRecord[];
    train: { classes: string[]; shape: [number, number, number] };
    initFrom?: InitProvenance;
  };
}): Promise<void> {
  const { result } = args;
  const config = args.config ?? loadCheckpoint(join(args.out, "checkpoint")).meta.config;
  const model = buildModel({
    config,
    plan: result.plan,
    params: result.params,
    labels: result.train.classes,
    inputCHW: result.train.shape,
    history: result.history,
  });
  await writeModelAndPng(args.out, model, result.history, result.initFrom);
  process.stdout.write(
    `exported ${join(args.out, "model.json")} (${model.weights.length} bytes of weights)\n`,
  );
}

/**
 * Exports the feed-forward `<out>/checkpoint` as it stands (finished or not), with the given
 * spiking settings. A sequence-network checkpoint is refused (loadCheckpoint says so); the CLI
 * sends those to srnn/finish.ts exportSequenceCheckpoint.
 */
export async function exportCheckpoint(
  out: string,
  spiking?: TrainConfig["spiking"],
): Promise<void> {
  const dir = join(out, "checkpoint");
  if (!hasCheckpoint(dir)) {
    throw Object.assign(
      new Error(
        `no training checkpoint in ${dir}; train first (spikenode train --config … --out ${out})`,
      ),
      {
        userFacing: true,
      },
    );
  }
  const ck = loadCheckpoint(dir);
  const config = spiking ? { ...ck.meta.config, spiking } : ck.meta.config;
  const plan = planNetwork(config, ck.meta.inputCHW);
  const finished = ck.meta.epoch >= config.training.epochs;
  const model = buildModel({
    config,
    plan,
    // The run's network: with weight averaging the mean of its epoch ends (what training
    // returned and exported), never the running parameters beside it.
    params: ck.average?.params ?? ck.params,
    labels: datasetClasses(config.dataset.name),
    inputCHW: ck.meta.inputCHW,
    history: ck.meta.history,
  });
  // A finished run's checkpoint exports as that run did; only a mid-run one is flagged.
  if (!finished)
    (model.json.provenance as Record<string, unknown>).checkpoint = {
      epoch: ck.meta.epoch,
      batch: ck.meta.batch,
      of_epochs: config.training.epochs,
    };
  await writeModelAndPng(out, model, ck.meta.history, ck.meta.initFrom);
  process.stdout.write(
    `exported ${join(out, "model.json")} from the checkpoint at epoch ${ck.meta.epoch} batch ${ck.meta.batch}` +
      (ck.average ? `: the mean of ${ck.average.count} epoch ends` : "") +
      "\n",
  );
}
