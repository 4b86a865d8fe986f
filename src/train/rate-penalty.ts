/**
 * The firing-rate penalty both trainers add to each sample's loss (config `sparsity`), per
 * spiking layer l from that sample's rate r_lb, the layer's spikes per neuron per step (BPTT:
 * counted spikes over the sequence; soft-LIF: the rate r(J)·dt the spiking network will fire at):
 *   l1:     P_b = Σ_l λ_l · r_lb                      (an L1 norm of the activity, scaled)
 *   target: P_b = Σ_l λ_l · (r_lb − r*_l)²            (pulled to the target from either side)
 *   above:  P_b = Σ_l λ_l · max(0, r_lb − r*_l)²      (only rates above the target are charged)
 * Yin et al. reach 0.03–0.1 spikes per neuron per step (papers.md B); the break-even arithmetic
 * of issue 13 asks a feed-forward net to cross each synapse about once per frame or less. The
 * gradient reaches the weights through the surrogate (BPTT) or soft-LIF's smooth rate.
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";

const rate = z.number().finite().min(0).max(1);
const strength = z.number().finite().nonnegative();

export const SparsityConfig = z.strictObject({
  type: z.enum(["l1", "target", "above"]),
  /** λ: one for every spiking layer, or one per spiking layer. */
  strength: z.union([strength, z.array(strength).min(1)]),
  /** r* in spikes per neuron per step (types target, above): one for all layers, or one per layer. */
  target: z.union([rate, z.array(rate).min(1)]).default(0),
});
export type SparsityConfig = z.infer<typeof SparsityConfig>;

/** λ_l and r*_l per spiking layer. */
export interface LayerPenalty {
  type: SparsityConfig["type"];
  strength: number[];
  target: number[];
}

function perLayer(value: number | number[], layers: number, what: string, noun: string): number[] {
  if (typeof value === "number") return new Array<number>(layers).fill(value);
  if (value.length !== layers)
    throw Object.assign(
      new Error(
        `sparsity.${what} lists ${value.length} values for ${layers} ${noun}; give one per layer or a single number`,
      ),
      { userFacing: true },
    );
  return value;
}

/** The config's penalty spelled out per spiking layer (null when there is none). */
export function layerPenalty(
  sparsity: SparsityConfig | undefined,
  layers: number,
  /** What the layers are called in the message ("hidden layers" for BPTT). */
  noun = "soft-LIF layers",
): LayerPenalty | null {
  if (!sparsity) return null;
  return {
    type: sparsity.type,
    strength: perLayer(sparsity.strength, layers, "strength", noun),
    target: perLayer(sparsity.target, layers, "target", noun),
  };
}

/** Σ_b P_b from each layer's per-sample rates [B] (summed over the batch, so shards add up). */
export function penaltyFromRates(penalty: LayerPenalty, rates: tf.Tensor1D[]): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    rates.forEach((r, l) => {
      const lambda = penalty.strength[l];
      if (lambda === 0) return;
      const d = tf.sub(r, penalty.target[l]);
      const term =
        penalty.type === "l1"
          ? tf.sum(r)
          : penalty.type === "target"
            ? tf.sum(tf.square(d))
            : tf.sum(tf.square(tf.relu(d)));
      total = tf.add(total, tf.mul(term, lambda));
    });
    return total as tf.Scalar;
  });
}
