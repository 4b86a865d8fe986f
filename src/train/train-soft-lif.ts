/**
 * Hunsberger & Eliasmith's feed-forward soft-LIF training on the generic loop (trainer.ts): the
 * task (images, augmentation, training.anneal, the activity penalty's rates), its validation as
 * a rate network, and `train`, what `spikenode train` runs for a feed-forward config.
 */
import { batchShape, fillBatch, type Augment } from "./batch.js";
import type { EpochRecord, InitProvenance } from "./checkpoint.js";
import { effectiveConfig, type TrainConfig } from "./config.js";
import { loadDataset } from "./datasets/index.js";
import type { ImageSet } from "./datasets/types.js";
import { predictLogits } from "./gradients.js";
import { initParams, planNetwork, type Plan } from "./net.js";
import type { Rng } from "./rng.js";
import { runTraining, splitTrainValidation, type RunOptions, type TrainTask } from "./trainer.js";
import type { WorkerInit } from "./worker-pool.js";

export type TrainOptions = RunOptions<TrainConfig>;

export interface TrainResult {
  /** The config the run trained with: on --resume, the checkpoint's merged with the file's schedule. */
  config: TrainConfig;
  plan: Plan;
  params: Float32Array[];
  history: EpochRecord[];
  finished: boolean;
  train: ImageSet;
  validation: ImageSet | null;
  secondsPerEpoch: number | null;
  initFrom?: InitProvenance;
}

/** Loss and accuracy of the rate network (no noise) on a set. */
export function evaluateRate(
  plan: Plan,
  params: Float32Array[],
  set: ImageSet,
  /** Centre crop (configs with augment.crop). */
  crop?: number,
): { loss: number; accuracy: number; firingRate?: number; layerFiringRates?: number[] } {
  const augment: Augment | undefined = crop ? { flip: false, shift: 0, crop } : undefined;
  const size = plan.input[0] * plan.input[1] * plan.input[2];
  const classes = set.classes.length;
  const chunk = 500;
  let loss = 0;
  let correct = 0;
  const pixels = new Float32Array(chunk * size);
  const labels = new Int32Array(chunk);
  const idx = new Uint32Array(chunk);
  const rateSums = new Float64Array(plan.spikingLayers.length);
  for (let s = 0; s < set.count; s += chunk) {
    const n = Math.min(chunk, set.count - s);
    for (let k = 0; k < n; k++) idx[k] = s + k;
    fillBatch(set, idx.subarray(0, n), pixels, labels, augment);
    const logits = predictLogits(plan, params, pixels, n, 256, rateSums);
    for (let k = 0; k < n; k++) {
      let max = -Infinity;
      let arg = 0;
      for (let c = 0; c < classes; c++) {
        const v = logits[k * classes + c];
        if (v > max) {
          max = v;
          arg = c;
        }
      }
      let z = 0;
      for (let c = 0; c < classes; c++) z += Math.exp(logits[k * classes + c] - max);
      loss += Math.log(z) - (logits[k * classes + labels[k]] - max);
      if (arg === labels[k]) correct++;
    }
  }
  const layerFiringRates = Array.from(rateSums, (r) => r / set.count);
  const units = plan.spikingUnits.reduce((a, b) => a + b, 0);
  return {
    loss: loss / set.count,
    accuracy: correct / set.count,
    ...(units > 0
      ? {
          // Spikes per neuron per tick over all soft-LIF neurons, and by layer.
          firingRate: layerFiringRates.reduce((a, r, l) => a + r * plan.spikingUnits[l], 0) / units,
          layerFiringRates,
        }
      : {}),
  };
}

/**
 * Training-epoch rates from the summed shard stats (gradients.ts: [spikes, neuron-ticks,
 * Σ penalty, per-layer Σ rate]): per soft-LIF layer its mean spikes per neuron per tick under
 * training noise, and the mean penalty per image when the config has one.
 */
export function trainRateFields(
  plan: Plan,
  stats: number[],
): { trainLayerFiringRates?: number[]; trainPenalty?: number } {
  const units = plan.spikingUnits.reduce((a, b) => a + b, 0);
  if (stats.length < 3 + plan.spikingLayers.length || !(stats[1] > 0) || units === 0) return {};
  const images = stats[1] / units;
  return {
    trainLayerFiringRates: plan.spikingLayers.map((_, l) => stats[3 + l] / images),
    ...(plan.penalty ? { trainPenalty: stats[2] / images } : {}),
  };
}

/** The feed-forward soft-LIF task (images, augmentation, training.anneal). */
function feedForwardTask(config: TrainConfig, dataDir: string | undefined) {
  const all = loadDataset(config.dataset.name, "train", dataDir);
  const { train: trainSet, validation } = splitTrainValidation(all, config);
  const inputCHW = batchShape(trainSet, config.dataset.augment);
  const plan = planNetwork(config, inputCHW);
  let lastValidation: ReturnType<typeof evaluateRate> | null = null;
  return {
    plan,
    trainSet,
    validation,
    params: plan.params,
    initParams: () => initParams(plan, config.training.seed),
    inputCHW,
    trainCount: trainSet.count,
    dataSummary: `${trainSet.count} train / ${validation?.count ?? 0} validation images`,
    sampleSize: inputCHW[0] * inputCHW[1] * inputCHW[2],
    labelWidth: 1,
    fillBatch(indices: Uint32Array, inputs: Float32Array, labels: Int32Array, rng: Rng) {
      fillBatch(trainSet, indices, inputs, labels, config.dataset.augment, rng);
    },
    // The pool computes with the config of the current epoch (training.anneal changes σ, dropout).
    workerInit: (e: number): WorkerInit => ({
      config: effectiveConfig(config, e),
      inputCHW,
      backend: "",
    }),
    describeEpoch(e: number, changed: boolean) {
      const eff = effectiveConfig(config, e);
      if (!changed && eff === config) return null;
      return `epoch ${e + 1}: training noise sigma ${eff.neuron.sigma}, gamma ${eff.neuron.gamma}, dropout ${
        eff.layers
          .filter((l) => l.type === "dropout")
          .map((l) => l.rate)
          .join("/") || "none"
      }`;
    },
    validate(params: Float32Array[], e: number) {
      // With the epoch's γ (training.anneal); noise and dropout are off at inference anyway.
      lastValidation = validation
        ? evaluateRate(
            planNetwork(effectiveConfig(config, e), inputCHW),
            params,
            validation,
            config.dataset.augment.crop,
          )
        : null;
      return lastValidation;
    },
    epochFields(e: number, stats: number[]): Partial<EpochRecord> {
      const val = lastValidation;
      lastValidation = null;
      return {
        gamma: effectiveConfig(config, e).neuron.gamma,
        ...trainRateFields(plan, stats),
        ...(val?.layerFiringRates ? { valLayerFiringRates: val.layerFiringRates } : {}),
      };
    },
  } satisfies TrainTask & Record<string, unknown>;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const r = await runTraining(opts, (config) => {
    const task = feedForwardTask(config, opts.dataDir);
    const workerInit = task.workerInit;
    // Workers need the backend the main thread chose.
    return { ...task, workerInit: (e: number) => ({ ...workerInit(e), backend: opts.backend }) };
  });
  return {
    config: r.config,
    plan: r.task.plan,
    params: r.params,
    history: r.history,
    finished: r.finished,
    train: r.task.trainSet,
    validation: r.task.validation,
    secondsPerEpoch: r.secondsPerEpoch,
    ...(r.initFrom ? { initFrom: r.initFrom } : {}),
  };
}
