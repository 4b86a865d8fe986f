/**
 * Training configuration files (YAML or JSON): architecture, neuron, data, optimiser, and the
 * spiking settings that export writes into the model.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import YAML from "yaml";
import { CameraAugment } from "./camera-augment.js";
import { SparsityConfig } from "./rate-penalty.js";
import {
  isSequenceConfigObject,
  SequenceTrainConfig,
  type SequenceTrainConfig as SequenceTrainConfigT,
} from "./srnn/config.js";

const positive = z.number().finite().positive();

export const SoftLifConfig = z.strictObject({
  tau_rc: positive.default(0.022),
  tau_ref: z.number().finite().nonnegative().default(0.002),
  amplitude: positive.default(0.063),
  gain: positive.default(1),
  gamma: positive.default(0.02),
  sigma: z.number().finite().nonnegative().default(10),
  /**
   * Spike-count noise (seconds; off when absent): in training, each rate becomes the count a
   * spiking neuron of random phase fires in a window this long, floor(rate·window + u) with
   * u ~ U(0, 1), over the window, gradient straight through. It trains the net for the short
   * presentation it will run, where a neuron fires a handful of spikes, not a rate.
   */
  count_window: positive.optional(),
});

const ConvLayer = z.strictObject({
  type: z.literal("conv2d"),
  filters: z.number().int().positive(),
  kernel: z.number().int().positive(),
  stride: z.number().int().positive().default(1),
  padding: z.number().int().nonnegative().default(0),
  /** soft_lif (default) or linear (no neuron; only for the output layer). */
  activation: z.enum(["soft_lif", "linear"]).default("soft_lif"),
});
const DenseLayer = z.strictObject({
  type: z.literal("dense"),
  units: z.number().int().positive(),
  activation: z.enum(["soft_lif", "linear"]).default("soft_lif"),
});
const PoolLayer = z.strictObject({
  type: z.literal("avgpool2d"),
  size: z.number().int().positive(),
  stride: z.number().int().positive().optional(),
});
const DropoutLayer = z.strictObject({
  type: z.literal("dropout"),
  rate: z.number().min(0).lt(1),
});
export const LayerConfig = z.discriminatedUnion("type", [
  ConvLayer,
  DenseLayer,
  PoolLayer,
  DropoutLayer,
]);
export type LayerConfig = z.infer<typeof LayerConfig>;

export const TrainConfig = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  dataset: z.strictObject({
    name: z.enum(["fashion-mnist", "mnist", "cifar10"]),
    /** Images held out of the training set for validation (the last ones after a seeded shuffle). */
    validation: z.number().int().nonnegative().default(5000),
    /** mnist package only: how many of its 10k digits train (the rest are the test set). */
    train_count: z.number().int().positive().optional(),
    /** Use only the first N training images (quick runs, tests). */
    limit: z.number().int().positive().optional(),
    augment: z
      .strictObject({
        flip: z.boolean().default(false),
        /** Random translation of up to this many pixels (zero fill). */
        shift: z.number().int().nonnegative().default(0),
        /** CIFAR: random crop of this size (the paper crops 24×24 of 32×32); test uses the centre. */
        crop: z.number().int().positive().optional(),
        /**
         * Camera-robust augmentation (camera-augment.ts): scale and place, contrast/brightness,
         * blur, sensor noise, JPEG-like compression; `camera: {}` takes every default.
         */
        camera: CameraAugment.optional(),
      })
      .default({ flip: false, shift: 0 }),
  }),
  neuron: SoftLifConfig.default({
    tau_rc: 0.022,
    tau_ref: 0.002,
    amplitude: 0.063,
    gain: 1,
    gamma: 0.02,
    sigma: 10,
  }),
  layers: z.array(LayerConfig).min(1),
  /**
   * Activity regularisation: a penalty on each soft-LIF layer's rate in spikes per neuron per
   * tick (r(J)·spiking.dt, what the spiking network will fire), per sample (rate-penalty.ts).
   * λ and r* are one value or one per soft-LIF layer, in layer order.
   */
  sparsity: SparsityConfig.optional(),
  training: z.strictObject({
    epochs: z.number().int().positive(),
    batch_size: z.number().int().positive().default(64),
    lr: positive.default(1e-3),
    /** Learning rate at the end of the last epoch (exponential decay per batch); none = constant. */
    lr_final: positive.optional(),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: positive.default(1e-7),
    /** L2 penalty on weights (not biases), added to the gradient. */
    weight_decay: z.number().nonnegative().default(0),
    seed: z.number().int().nonnegative().default(1),
    /** Also checkpoint inside an epoch at least this often. */
    checkpoint_minutes: positive.default(5),
    /**
     * Stochastic weight averaging (Izmailov et al. 2018): from this epoch (1-based) on, keep the
     * mean of the parameters at the end of each epoch; validation also reports the mean's
     * accuracy, and the export uses the mean. Pair it with a flat learning rate (lr_final = lr).
     */
    average_from: z.number().int().positive().optional(),
    /**
     * From epoch `epoch` (1-based) on, train with this noise σ and/or dropout rate (every
     * dropout layer). The last entry whose epoch has been reached applies.
     */
    anneal: z
      .array(
        z.strictObject({
          epoch: z.number().int().positive(),
          sigma: z.number().finite().nonnegative().optional(),
          dropout: z.number().min(0).lt(1).optional(),
          /** Softplus smoothing γ: a smaller γ brings soft-LIF closer to the spiking neuron's hard threshold. */
          gamma: z.number().finite().positive().optional(),
        }),
      )
      .default([]),
  }),
  /** Written into the exported model; `spikenode eval` measures the alternatives. */
  spiking: z
    .strictObject({
      dt: positive.default(0.001),
      timesteps: z.number().int().positive().default(200),
      synapse: z
        .discriminatedUnion("type", [
          z.strictObject({ type: z.literal("none") }),
          z.strictObject({ type: z.literal("lowpass"), tau: positive }),
          z.strictObject({ type: z.literal("alpha"), tau: positive }),
        ])
        .default({ type: "alpha", tau: 0.005 }),
      readout_start: z.number().int().nonnegative().default(100),
      /**
       * The LIF membrane at reset (absent: 0): "uniform" writes Nengo's default, U(0, 1) fixed per
       * neuron (models/FORMAT.md), so a short presentation does not wait out each first spike.
       */
      initial_voltage: z.literal("uniform").optional(),
    })
    .default({
      dt: 0.001,
      timesteps: 200,
      synapse: { type: "alpha", tau: 0.005 },
      readout_start: 100,
    }),
});
export type TrainConfig = z.infer<typeof TrainConfig>;

/** Any config `spikenode train` accepts: feed-forward soft-LIF, or a recurrent sequence network. */
export type AnyTrainConfig = TrainConfig | SequenceTrainConfigT;

function parseYaml(text: string, source: string): unknown {
  try {
    return YAML.parse(text);
  } catch (err) {
    throw userError(`${source}: not valid YAML/JSON: ${(err as Error).message}`);
  }
}

function zodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

export function parseTrainConfig(text: string, source: string): TrainConfig {
  const raw = parseYaml(text, source);
  if (isSequenceConfigObject(raw))
    throw userError(
      `${source}: a sequence-network config (it names a "kind"); this path trains feed-forward soft-LIF nets only`,
    );
  const parsed = TrainConfig.safeParse(raw);
  if (!parsed.success) {
    throw userError(`${source}: invalid training config: ${zodIssues(parsed.error)}`);
  }
  const last = parsed.data.layers.filter((l) => l.type === "dense" || l.type === "conv2d").at(-1);
  if (!last || last.type !== "dense" || last.activation !== "linear") {
    throw userError(
      `${source}: the last weighted layer must be "dense" with activation "linear" (the class scores)`,
    );
  }
  return parsed.data;
}

/** A feed-forward config, or (when it names a `kind`: srnn, rnn, lstm) a sequence config. */
export function parseAnyTrainConfig(text: string, source: string): AnyTrainConfig {
  const raw = parseYaml(text, source);
  if (!isSequenceConfigObject(raw)) return parseTrainConfig(text, source);
  const parsed = SequenceTrainConfig.safeParse(raw);
  if (!parsed.success)
    throw userError(`${source}: invalid sequence training config: ${zodIssues(parsed.error)}`);
  const c = parsed.data;
  if (c.readout.start >= sequenceStepsHint(c))
    throw userError(
      `${source}: readout.start ${c.readout.start} leaves no step of the ${sequenceStepsHint(c)}-step sequences in the loss; lower it`,
    );
  return c;
}

/** Steps per sequence of the 28×28 datasets a sequence config may name. */
function sequenceStepsHint(c: SequenceTrainConfigT): number {
  return c.dataset.encoding.type === "rows" ? 28 : Math.ceil(784 / c.dataset.encoding.stride);
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw userError(`cannot read training config ${path}: ${(err as Error).message}`);
  }
}

export function loadTrainConfig(path: string): TrainConfig {
  return parseTrainConfig(readConfigText(path), path);
}

export function loadAnyTrainConfig(path: string): AnyTrainConfig {
  return parseAnyTrainConfig(readConfigText(path), path);
}

export function userError(message: string): Error {
  return Object.assign(new Error(message), { userFacing: true });
}

/** The config as it trains in `epoch` (0-based): noise σ and dropout after `training.anneal`. */
export function effectiveConfig(config: TrainConfig, epoch: number): TrainConfig {
  let sigma = config.neuron.sigma;
  let gamma = config.neuron.gamma;
  let dropout: number | undefined;
  for (const a of [...config.training.anneal].sort((x, y) => x.epoch - y.epoch)) {
    if (a.epoch > epoch + 1) break;
    if (a.sigma !== undefined) sigma = a.sigma;
    if (a.gamma !== undefined) gamma = a.gamma;
    if (a.dropout !== undefined) dropout = a.dropout;
  }
  if (sigma === config.neuron.sigma && gamma === config.neuron.gamma && dropout === undefined)
    return config;
  return {
    ...config,
    neuron: { ...config.neuron, sigma, gamma },
    layers: config.layers.map((l) =>
      l.type === "dropout" && dropout !== undefined ? { ...l, rate: dropout } : l,
    ),
  };
}
