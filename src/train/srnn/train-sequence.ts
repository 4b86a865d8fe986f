/**
 * Training of recurrent sequence networks (srnn, rnn, lstm) through the generic loop in
 * trainer.ts: same checkpoints, resume, worker threads, Adam, progress and log. The data is a
 * SequenceSet: an image dataset seen through the config's encoding, or any set a caller passes.
 */
import { loadDataset } from "../datasets/index.js";
import { loadMovingFashion, type MovingSequenceSet } from "../datasets/moving-events.js";
import { runTraining, splitOrder, type RunOptions, type TrainTask } from "../trainer.js";
import type { EpochRecord, InitProvenance } from "../checkpoint.js";
import type { SequenceTrainConfig } from "./config.js";
import { consecutiveClips } from "./consecutive-clips.js";
import {
  clampTimeConstants,
  initSequenceParams,
  learningRateScales,
  planSequenceNetwork,
  type SequencePlan,
} from "./recurrent-net.js";
import { evaluateSequences, sequenceStatFields, type SequenceEvaluation } from "./seq-gradients.js";
import { imageSequences, labelWidth, sequenceSubset, type SequenceSet } from "./sequences.js";

export interface SequenceTrainOptions extends RunOptions<SequenceTrainConfig> {
  /**
   * Train on this set instead of the config's dataset (e.g. a streaming task's clips); the
   * validation split is taken from it as from an image set.
   */
  sequences?: SequenceSet;
}

export interface SequenceTrainResult {
  config: SequenceTrainConfig;
  plan: SequencePlan;
  params: Float32Array[];
  history: EpochRecord[];
  finished: boolean;
  secondsPerEpoch: number | null;
  train: SequenceSet;
  validation: SequenceSet | null;
  /** [C, H, W] of the source images ([1, T, inputSize] for a caller's set). */
  imageShape: [number, number, number];
  initFrom?: InitProvenance;
}

/**
 * The config's sequences of a split: its image dataset through its encoding, or the moving
 * Fashion-MNIST clips (per-tick labels). `limit` renders only that many training clips;
 * `test_limit` takes the first test sequences of the whole test set (for the moving clips, the
 * first clips of the 1000-clip test recording, as the sample bag and `spikenode eval` see them).
 * `moving` is set for the streaming task: the clips as the export must describe them.
 */
export function configSequences(
  config: SequenceTrainConfig,
  split: "train" | "test",
  dataDir?: string,
): { set: SequenceSet; imageShape: [number, number, number]; moving?: MovingSequenceSet } {
  const first = (all: SequenceSet): SequenceSet => {
    const n = config.dataset.test_limit;
    return split === "test" && n !== undefined && n < all.count
      ? sequenceSubset(
          all,
          Uint32Array.from({ length: n }, (_, i) => i),
        )
      : all;
  };
  if (config.dataset.name === "moving-fashion-mnist") {
    const limit = split === "train" ? config.dataset.limit : undefined;
    const moving = loadMovingFashion(
      split,
      { labelMode: "step", ...(limit ? { count: limit } : {}) },
      dataDir,
    );
    const side = moving.plan.options.canvas;
    const set = first(consecutiveClips(moving, config.dataset.clips_per_sample));
    return { set, imageShape: [1, side, side], moving };
  }
  const images = loadDataset(config.dataset.name, split, dataDir);
  return { set: first(imageSequences(images, config.dataset.encoding)), imageShape: images.shape };
}

/** Fills a batch buffer with samples [start, start+n) of a set. */
export function fillRange(
  set: SequenceSet,
): (start: number, n: number, inputs: Float32Array, labels: Int32Array) => void {
  const size = set.steps * set.inputSize;
  const width = labelWidth(set);
  return (start, n, inputs, labels) => {
    for (let k = 0; k < n; k++) {
      set.fill(start + k, inputs, k * size);
      set.fillLabels(start + k, labels, k * width);
    }
  };
}

/** Loss, accuracy and firing rate of trained parameters on a whole set. */
export function evaluateSequenceSet(
  plan: SequencePlan,
  params: Float32Array[],
  set: SequenceSet,
): SequenceEvaluation {
  return evaluateSequences(plan, params, set.count, fillRange(set), labelWidth(set));
}

function sequenceTask(
  config: SequenceTrainConfig,
  opts: SequenceTrainOptions,
): TrainTask & {
  plan: SequencePlan;
  trainSet: SequenceSet;
  validation: SequenceSet | null;
  imageShape: [number, number, number];
} {
  const source = opts.sequences
    ? {
        set: opts.sequences,
        imageShape: [1, opts.sequences.steps, opts.sequences.inputSize] as [number, number, number],
      }
    : configSequences(config, "train", opts.dataDir);
  const all = source.set;
  const { order, nVal, n } = splitOrder(all.count, config);
  const trainSet = sequenceSubset(all, order.slice(0, n - nVal), `${all.name}:train`);
  const validation =
    nVal > 0 ? sequenceSubset(all, order.slice(n - nVal), `${all.name}:validation`) : null;
  if (all.labelMode === "sample" && config.readout.start >= all.steps)
    throw Object.assign(
      new Error(
        `readout.start ${config.readout.start} leaves none of the ${all.steps} steps of ${all.name} in the loss; lower it`,
      ),
      { userFacing: true },
    );
  const plan = planSequenceNetwork(config, all.steps, all.inputSize, all.classes.length);
  const width = labelWidth(all);
  const size = all.steps * all.inputSize;
  let lastValidation: SequenceEvaluation | null = null;
  return {
    plan,
    trainSet,
    validation,
    imageShape: source.imageShape,
    params: plan.params,
    initParams: () => initSequenceParams(plan, config.training.seed),
    lrScale: learningRateScales(plan),
    inputCHW: source.imageShape,
    trainCount: trainSet.count,
    dataSummary: `${trainSet.count} train / ${validation?.count ?? 0} validation sequences of ${all.steps} steps × ${all.inputSize} inputs`,
    sampleSize: size,
    labelWidth: width,
    fillBatch(indices, inputs, labels) {
      for (let k = 0; k < indices.length; k++) {
        trainSet.fill(indices[k], inputs, k * size);
        trainSet.fillLabels(indices[k], labels, k * width);
      }
    },
    workerInit: () => ({
      kind: "sequence",
      config,
      steps: all.steps,
      inputSize: all.inputSize,
      classes: all.classes.length,
      labelWidth: width,
      backend: opts.backend,
    }),
    validate(params) {
      if (!validation) return null;
      const r = evaluateSequenceSet(plan, params, validation);
      lastValidation = r;
      return config.kind === "srnn" ? r : { loss: r.loss, accuracy: r.accuracy };
    },
    epochFields(_epoch, stats) {
      const val = config.kind === "srnn" ? lastValidation : null;
      lastValidation = null;
      return {
        ...sequenceStatFields(plan, stats),
        ...(val
          ? {
              valLayerFiringRates: val.layerFiringRates,
              ...(plan.penalty ? { valPenalty: val.penalty } : {}),
            }
          : {}),
      };
    },
    afterStep: config.kind === "srnn" ? (params) => clampTimeConstants(plan, params) : undefined,
  };
}

export async function trainSequence(opts: SequenceTrainOptions): Promise<SequenceTrainResult> {
  const r = await runTraining(opts, (config) => sequenceTask(config, opts));
  return {
    config: r.config,
    plan: r.task.plan,
    params: r.params,
    history: r.history,
    finished: r.finished,
    secondsPerEpoch: r.secondsPerEpoch,
    train: r.task.trainSet,
    validation: r.task.validation,
    imageShape: r.task.imageShape,
    ...(r.initFrom ? { initFrom: r.initFrom } : {}),
  };
}
