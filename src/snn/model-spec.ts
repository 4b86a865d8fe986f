/**
 * The model file format, versions 1 and 2: `models/<name>/model.json` beside `weights.bin`.
 * Version 2 adds `name` and `inputs` to layers (a graph); a version-1 file is the chain in which
 * every layer reads the one before it, and loads unchanged.
 *
 * This schema is the single contract between training (which writes models), the engine
 * (which runs them) and every tool that reads them. `models/FORMAT.md` documents each field
 * in prose; keep the two in step. Objects are strict: an unknown field is an error, because a
 * silently ignored field in a model file is a silently wrong network.
 *
 * Units: every time constant is in seconds; rates in Hz; `dt` in seconds.
 */
import { z } from "zod";
import { Neuron } from "./neurons/index.js";
import { nonNegative, positive, TensorRef } from "./spec-parts.js";

export const MODEL_FORMAT = "spikenode-model";
/** The chain format, what the writers of chain models write. */
export const MODEL_FORMAT_VERSION = 1;
/** The graph format: layers name their inputs. */
export const MODEL_FORMAT_VERSION_GRAPH = 2;
/** Every version this engine reads. */
export const MODEL_FORMAT_VERSIONS: readonly number[] = [
  MODEL_FORMAT_VERSION,
  MODEL_FORMAT_VERSION_GRAPH,
];
/** The name `inputs` uses for the network input (what the encoder delivers per tick). */
export const NETWORK_INPUT = "input";

const pair = z.tuple([z.number().int().positive(), z.number().int().positive()]);
const nonNegInt = z.number().int().nonnegative();
const posInt = z.number().int().positive();
const pairNonNeg = z.tuple([nonNegInt, nonNegInt]);
/** [top, bottom, left, right] */
const quadNonNeg = z.tuple([nonNegInt, nonNegInt, nonNegInt, nonNegInt]);

export { TensorRef } from "./spec-parts.js";

/**
 * A layer's neurons: one schema per kind, each in its own module under neurons/ (LIF, ALIF,
 * leaky integrator, linear, IF); the union is derived by the registry.
 */
export {
  Neuron,
  LifNeuron,
  AlifNeuron,
  LeakyIntegratorNeuron,
  LinearNeuron,
  IfNeuron,
  NirLifNeuron,
  NirCubaLifNeuron,
  NirLiNeuron,
  NirCubaLiNeuron,
  NirINeuron,
  ThresholdNeuron,
} from "./neurons/index.js";

/** Filter on a connection's input. A low-pass or alpha filter adds Nengo's one-step delay. */
export const Synapse = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("none") }),
  z.strictObject({ type: z.literal("lowpass"), tau: positive }),
  z.strictObject({ type: z.literal("alpha"), tau: positive }),
]);
export type Synapse = z.infer<typeof Synapse>;

const NONE: Synapse = { type: "none" };

/**
 * Version 2: where a layer sits in the graph. `name` lets other layers name it in their `inputs`;
 * `inputs` names what it reads ("input" = the network input), default the layer before it (the
 * chain). Several inputs of a weighted layer are summed (equal shapes); an input that is the
 * layer itself or a later one closes a cycle and carries that layer's output of the previous tick.
 */
const graphFields = {
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "a name is letters, digits, '_', '.', '-'")
    .optional(),
  inputs: z.array(z.string().min(1)).min(1).optional(),
};

export const FlattenLayer = z.strictObject({ type: z.literal("flatten"), ...graphFields });

/**
 * Linear average pooling of the previous layer's output (no neurons of its own); zero padding
 * [ph, pw] on both sides, counted in the divisor kh·kw (PyTorch's count_include_pad).
 */
export const AvgPoolLayer = z.strictObject({
  type: z.literal("avgpool2d"),
  ...graphFields,
  kernel: pair,
  stride: pair,
  padding: pairNonNeg.default([0, 0]),
});

/** Sum over each window (NIR SumPool2d), zero padding [ph, pw] on both sides; no neurons. */
export const SumPoolLayer = z.strictObject({
  type: z.literal("sumpool2d"),
  ...graphFields,
  kernel: pair,
  stride: pair,
  padding: pairNonNeg.default([0, 0]),
});

export const DenseLayer = z.strictObject({
  type: z.literal("dense"),
  ...graphFields,
  /** weights.shape = [out, in], y = W x + b */
  weights: TensorRef,
  bias: TensorRef.optional(),
  neuron: Neuron,
  synapse: Synapse.default(NONE),
});

export const Conv2dLayer = z.strictObject({
  type: z.literal("conv2d"),
  ...graphFields,
  /**
   * weights.shape = [out_channels, in_channels / groups, kh, kw]; activations are channels-first.
   * PyTorch's cross-correlation with stride, dilation and groups.
   */
  weights: TensorRef,
  bias: TensorRef.optional(),
  stride: pair.default([1, 1]),
  /** [ph, pw] on both sides, or [top, bottom, left, right]. */
  padding: z.union([pairNonNeg, quadNonNeg]).default([0, 0]),
  dilation: pair.default([1, 1]),
  groups: posInt.default(1),
  neuron: Neuron,
  synapse: Synapse.default(NONE),
});

/** 1-D convolution over a [C, L] input: weights [out, in / groups, k]. */
export const Conv1dLayer = z.strictObject({
  type: z.literal("conv1d"),
  ...graphFields,
  weights: TensorRef,
  bias: TensorRef.optional(),
  stride: posInt.default(1),
  /** [left, right] */
  padding: pairNonNeg.default([0, 0]),
  dilation: posInt.default(1),
  groups: posInt.default(1),
  neuron: Neuron,
  synapse: Synapse.default(NONE),
});

/**
 * y = factor ⊙ x (NIR Scale): factor has one value per input element (the input's shape, or
 * flat), or one per channel ([C]) of a [C, H, W] or [C, L] input. Has neurons like dense.
 */
export const ScaleLayer = z.strictObject({
  type: z.literal("scale"),
  ...graphFields,
  factor: TensorRef,
  neuron: Neuron,
  synapse: Synapse.default(NONE),
});

/**
 * Neurons without weights: y = neuron(x) elementwise over the (summed) inputs; the output shape
 * is the input's. What a NIR neuron node becomes when its input is not one weighted node.
 */
export const NeuronsLayer = z.strictObject({
  type: z.literal("neurons"),
  ...graphFields,
  neuron: Neuron,
  synapse: Synapse.default(NONE),
});

/** Dense input plus the layer's own spikes of the previous tick fed back through recurrent_weights [out, out]. */
export const RecurrentDenseLayer = z.strictObject({
  type: z.literal("recurrent_dense"),
  ...graphFields,
  weights: TensorRef,
  recurrent_weights: TensorRef,
  bias: TensorRef.optional(),
  neuron: Neuron,
  synapse: Synapse.default(NONE),
});

export const Layer = z.discriminatedUnion("type", [
  FlattenLayer,
  AvgPoolLayer,
  SumPoolLayer,
  DenseLayer,
  Conv2dLayer,
  Conv1dLayer,
  ScaleLayer,
  NeuronsLayer,
  RecurrentDenseLayer,
]);
export type Layer = z.infer<typeof Layer>;

/**
 * Event-camera input (src/encode/event-bins.ts): the sensor's own events binned into ticks of dt
 * by their timestamps, per pixel and polarity, as counts·gain in a [2, H, W] input (channel 0 OFF,
 * 1 ON). `roi` (sensor pixels; default: centred) must be `downsample`·[W, H]; `refractory` in
 * seconds drops an event within that time of the pixel's last accepted one (0 = off).
 */
export const EventsEncoder = z.strictObject({
  type: z.literal("events"),
  roi: z
    .strictObject({
      x: z.number().int().nonnegative(),
      y: z.number().int().nonnegative(),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    })
    .optional(),
  downsample: z.number().int().positive().default(1),
  refractory: nonNegative.default(0),
  gain: positive.default(1),
});
export type EventsEncoder = z.infer<typeof EventsEncoder>;

/**
 * Spike-coded sequence input (rows, pixel_windows): each value a tick carries is watched against
 * `levels` thresholds (k + ½)/levels on J = gain·x + bias, and every threshold it crosses from
 * one tick to the next sends an ON (up) or OFF (down) event of `amplitude` on its own input line:
 * 2·levels lines per value, line (p·levels + k)·n + j (p 0 ON, 1 OFF) for value j of n. The value
 * before the first tick is 0. See src/encode/level-crossing.ts.
 */
export const LevelCrossing = z.strictObject({
  levels: z.number().int().positive().default(4),
  amplitude: positive.default(1),
});
export type LevelCrossing = z.infer<typeof LevelCrossing>;

/** How pixels in [0, 1] become input current (or events) per tick. */
export const Encoder = z.discriminatedUnion("type", [
  /** J = gain*x + bias, held for the whole presentation (Hunsberger & Eliasmith). */
  z.strictObject({
    type: z.literal("constant"),
    gain: z.number().finite().default(1),
    bias: z.number().finite().default(0),
  }),
  /** Each pixel spikes as a Poisson process of rate x*max_rate (Hz); a spike injects `amplitude`/dt. */
  z.strictObject({
    type: z.literal("poisson"),
    max_rate: positive,
    amplitude: positive.default(1),
    seed: z.number().int().nonnegative().default(0),
  }),
  /** Event-camera emulation: ON/OFF events where log intensity changed by more than threshold. */
  z.strictObject({
    type: z.literal("delta"),
    threshold: positive,
    amplitude: positive.default(1),
    epsilon: positive.default(1e-3),
  }),
  /**
   * Sequence: one image row per tick, top to bottom, each held `ticks_per_row` ticks. Tick t
   * carries row floor(t / ticks_per_row) as C·W currents J = gain·x + bias, channel-major
   * (index c·W + x). presentation.timesteps must be H·ticks_per_row.
   */
  z.strictObject({
    type: z.literal("rows"),
    gain: z.number().finite().default(1),
    bias: z.number().finite().default(0),
    ticks_per_row: z.number().int().positive().default(1),
    /** Send the rows as level-crossing events instead of currents (C·W·2·levels lines). */
    spikes: LevelCrossing.optional(),
  }),
  /**
   * Sequence (Yin et al.'s S-MNIST form): the channels-first flattened image (N = C·H·W values)
   * read `window` consecutive pixels at a time, moving `stride` pixels per tick. Tick k carries
   * pixels [k·stride, k·stride + window) as J = gain·x + bias, pixels past the end reading as 0;
   * ceil(N / stride) ticks, which presentation.timesteps must equal.
   */
  z.strictObject({
    type: z.literal("pixel_windows"),
    window: z.number().int().positive().default(4),
    stride: z.number().int().positive().default(1),
    gain: z.number().finite().default(1),
    bias: z.number().finite().default(0),
    /** Send the windows as level-crossing events instead of currents (window·2·levels lines). */
    spikes: LevelCrossing.optional(),
  }),
  EventsEncoder,
  /**
   * The caller supplies each tick's input itself (spikes or currents, input.shape values per
   * tick): runSequence / `infer --sequence`. presentation.timesteps is the default sequence
   * length. What NIR graphs use (their input is a time series, not a frame).
   */
  z.strictObject({ type: z.literal("external") }),
]);
export type Encoder = z.infer<typeof Encoder>;

/** What a camera frame must become before encoding. */
export const Preprocess = z.strictObject({
  /** Colour handling: collapse to luminance, or keep RGB channels. Must match input.shape[0]. */
  color: z.enum(["gray", "rgb"]).default("gray"),
  /** How a frame of another aspect ratio is fitted to input.shape. */
  fit: z.enum(["stretch", "center_crop", "letterbox"]).default("center_crop"),
  /** Flip polarity (x -> 1 - x), e.g. dark objects on light backgrounds for a model trained on the opposite. */
  invert: z.boolean().default(false),
  /** Per-channel normalisation after scaling to [0, 1]: x' = (x - mean) / std. */
  mean: z.array(z.number().finite()).optional(),
  std: z.array(z.number().finite().positive()).optional(),
});
export type Preprocess = z.infer<typeof Preprocess>;

export const Input = z.strictObject({
  /** [C, H, W] */
  shape: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  preprocess: Preprocess.default({ color: "gray", fit: "center_crop", invert: false }),
  encoder: Encoder,
});

export const Presentation = z.strictObject({
  /** reset: clear state and run `timesteps` ticks per frame; continuous: keep state across frames. */
  mode: z.enum(["reset", "continuous"]).default("reset"),
  timesteps: z.number().int().positive(),
});

export const Readout = z.strictObject({
  /**
   * spike_count: spikes of the last layer over the window;
   * mean_output: mean of the last layer's (filtered) output over the window;
   * membrane: mean membrane of a leaky-integrator last layer over the window.
   */
  type: z.enum(["spike_count", "mean_output", "membrane"]),
  /** Ticks [start, end) of the presentation that count; end defaults to presentation.timesteps. */
  window: z
    .strictObject({
      start: z.number().int().nonnegative().default(0),
      end: z.number().int().positive().optional(),
    })
    .default({ start: 0 }),
});

export const Provenance = z.looseObject({
  /** e.g. "soft-lif (Hunsberger & Eliasmith 2015)", "alif-bptt (Yin et al. 2020)", "hand-written" */
  method: z.string(),
  dataset: z.string().optional(),
  created: z.string().optional(),
  /** Measured accuracies, each with what it was measured on. */
  accuracy: z.record(z.string(), z.unknown()).optional(),
});

export const ModelSpec = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  version: z.union([z.literal(MODEL_FORMAT_VERSION), z.literal(MODEL_FORMAT_VERSION_GRAPH)]),
  name: z.string().min(1),
  description: z.string().optional(),
  /** Simulation step, seconds. */
  dt: positive,
  weights: z.strictObject({
    file: z.string().min(1),
    /** Exact size of the weights file in bytes. */
    bytes: z.number().int().nonnegative(),
  }),
  input: Input,
  presentation: Presentation,
  layers: z.array(Layer).min(1),
  readout: Readout,
  labels: z.array(z.string()).min(1),
  provenance: Provenance,
});
export type ModelSpec = z.infer<typeof ModelSpec>;
/** What a writer may leave out (defaults filled in on load). */
export type ModelSpecInput = z.input<typeof ModelSpec>;
