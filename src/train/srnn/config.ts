/**
 * Training configs of recurrent sequence networks: Yin, Corradi & Bohté's adaptive spiking RNN
 * (`kind: srnn`) and the conventional baselines trained by the same code on the same sequences
 * (`kind: rnn`, tanh; `kind: lstm`). All time constants here are in STEPS (dt = 1 step, as in
 * the paper); export converts them to seconds with `spiking.dt`.
 */
import { z } from "zod";
import { SparsityConfig } from "../rate-penalty.js";

const positive = z.number().finite().positive();
const normal = z.strictObject({ mean: positive, std: z.number().finite().nonnegative() });

export const SequenceKind = z.enum(["srnn", "rnn", "lstm"]);
export type SequenceKind = z.infer<typeof SequenceKind>;

export const SurrogateConfig = z.discriminatedUnion("type", [
  /** Yin et al. 2021 (NMI): γ[(1+h)G(x;0,σ) − hG(x;σ,sσ) − hG(x;−σ,sσ)]. */
  z.strictObject({
    type: z.literal("multi_gaussian"),
    h: z.number().finite().nonnegative().default(0.15),
    s: positive.default(6),
    sigma: positive.default(0.5),
    gamma: positive.default(0.5),
  }),
  /** Yin et al. 2020 (ICONS): γ·G(x; 0, σ). */
  z.strictObject({
    type: z.literal("gaussian"),
    sigma: positive.default(0.5),
    gamma: positive.default(0.5),
  }),
]);
export type SurrogateConfig = z.infer<typeof SurrogateConfig>;

/**
 * Spike-coded input: each value as level-crossing ON/OFF events on 2·levels input lines
 * (src/encode/level-crossing.ts), so the first layer accumulates instead of multiplying.
 */
const SpikeCoding = z.strictObject({ levels: z.number().int().positive().default(4) });

export const SequenceEncoding = z.discriminatedUnion("type", [
  /** One image row per step: H steps of W·C inputs (W·C·2·levels with `spikes`). */
  z.strictObject({ type: z.literal("rows"), spikes: SpikeCoding.optional() }),
  /** Row-major pixel stream seen through a sliding window: H·W steps of `window` inputs. */
  z.strictObject({
    type: z.literal("pixel_windows"),
    window: z.number().int().positive().default(4),
    stride: z.number().int().positive().default(1),
    spikes: SpikeCoding.optional(),
  }),
]);
export type SequenceEncoding = z.infer<typeof SequenceEncoding>;

/** The firing-rate penalty (../rate-penalty.ts), shared with soft-LIF training. */
export { SparsityConfig } from "../rate-penalty.js";

export const SequenceTrainConfig = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  kind: SequenceKind,
  dataset: z.strictObject({
    /**
     * fashion-mnist, mnist: images read as sequences through `encoding`. moving-fashion-mnist:
     * the streaming task (src/train/datasets/moving-events.ts): clips of a Fashion-MNIST item
     * drifting in one of four directions, seen through the delta encoder 4 ticks per frame, one
     * label per tick (frame 0 unscored); `encoding` does not apply, and the export runs the
     * model `continuous`ly on camera frames, one decision per frame.
     */
    name: z.enum(["fashion-mnist", "mnist", "moving-fashion-mnist"]),
    /** Sequences held out of the training set for validation (the last after a seeded shuffle). */
    validation: z.number().int().nonnegative().default(5000),
    /**
     * Use only the first N training sequences (quick runs, tests). moving-fashion-mnist renders
     * only N clips (default 6000).
     */
    limit: z.number().int().positive().optional(),
    /**
     * Measure only the first N test sequences when the run finishes or exports (quick runs;
     * moving-fashion-mnist renders only N test clips, default 1000).
     */
    test_limit: z.number().int().positive().optional(),
    /**
     * moving-fashion-mnist: each training and test sample is this many consecutive clips of the
     * recording, so the network learns from the state earlier clips leave behind, as a stream
     * that is never reset carries it (1: every clip from a cleared network).
     */
    clips_per_sample: z.number().int().positive().default(1),
    encoding: SequenceEncoding.default({ type: "rows" }),
  }),
  /** Hidden layer sizes (each a recurrent layer of the kind's cells). */
  hidden: z.array(z.number().int().positive()).min(1),
  alif: z
    .strictObject({
      /** Threshold at rest and adaptation strength (fixed; Yin's SHD/S-MNIST values). */
      b0: positive.default(0.01),
      beta: z.number().finite().nonnegative().default(1.8),
      /** Initial per-neuron τ_m and τ_adp, steps, drawn from normal distributions. */
      tau_m_init: normal.default({ mean: 20, std: 5 }),
      tau_adp_init: normal.default({ mean: 200, std: 25 }),
      /** Learning-rate multipliers of τ_m and τ_adp (Yin: ×1–2 and ×2–5). */
      tau_m_lr: positive.default(2),
      tau_adp_lr: positive.default(5),
      /**
       * Lower bound of the learned τ (steps), applied after every step only to keep them
       * positive (the paper leaves them unclamped).
       */
      tau_min: positive.default(0.5),
      surrogate: SurrogateConfig.default({
        type: "multi_gaussian",
        h: 0.15,
        s: 6,
        sigma: 0.5,
        gamma: 0.5,
      }),
    })
    .default({
      b0: 0.01,
      beta: 1.8,
      tau_m_init: { mean: 20, std: 5 },
      tau_adp_init: { mean: 200, std: 25 },
      tau_m_lr: 2,
      tau_adp_lr: 5,
      tau_min: 0.5,
      surrogate: { type: "multi_gaussian", h: 0.15, s: 6, sigma: 0.5, gamma: 0.5 },
    }),
  readout: z
    .strictObject({
      /** Leaky-integrator time constant of the class-score layer, steps (fixed). */
      tau: positive.default(5),
      /** First step whose softmax enters the loss and whose membrane enters the decision. */
      start: z.number().int().nonnegative().default(14),
    })
    .default({ tau: 5, start: 14 }),
  /** Firing-rate penalty of the hidden layers (srnn; none = the cross-entropy alone). */
  sparsity: SparsityConfig.optional(),
  training: z.strictObject({
    epochs: z.number().int().positive(),
    batch_size: z.number().int().positive().default(64),
    lr: positive.default(1e-2),
    /** Learning rate at the end of the last epoch (exponential decay per batch); none = constant. */
    lr_final: positive.optional(),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: positive.default(1e-5),
    weight_decay: z.number().nonnegative().default(0),
    seed: z.number().int().nonnegative().default(1),
    checkpoint_minutes: positive.default(5),
    /** Truncated BPTT: no gradient flows through the state across every `tbptt` steps. */
    tbptt: z.number().int().positive().optional(),
  }),
  /** Written into the exported model (srnn only). */
  spiking: z
    .strictObject({
      /** Seconds per step: τ_steps·dt is what the model file stores. */
      dt: positive.default(0.001),
    })
    .default({ dt: 0.001 }),
});
export type SequenceTrainConfig = z.infer<typeof SequenceTrainConfig>;

/** True when a parsed YAML/JSON object is a sequence config (it names its `kind`). */
export function isSequenceConfigObject(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && "kind" in raw;
}

export function isSequenceConfig(config: object): config is SequenceTrainConfig {
  return "kind" in config;
}
