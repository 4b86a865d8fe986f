/**
 * The firing-rate penalty of BPTT training (config `sparsity`): per sample b and hidden layer l,
 * with r_lb = (1/(T·H_l)) Σ_t Σ_i S_lbti the layer's spikes per neuron per step in that sample,
 *   l1:     P_b = Σ_l λ_l · r_lb
 *   target: P_b = Σ_l λ_l · (r_lb − r*_l)²
 * added to the sample's cross-entropy. Yin et al. reach 0.03–0.1 spikes per neuron per step
 * (papers.md B); the penalty is how training is asked for that sparsity. Gradients reach the
 * weights through the spike function's surrogate, as the cross-entropy's do.
 */
import * as tf from "@tensorflow/tfjs";
import type { SparsityConfig } from "./config.js";

/** λ_l and r*_l per hidden layer. */
export interface LayerPenalty {
  type: SparsityConfig["type"];
  strength: number[];
  target: number[];
}

function perLayer(value: number | number[], layers: number, what: string): number[] {
  if (typeof value === "number") return new Array<number>(layers).fill(value);
  if (value.length !== layers)
    throw Object.assign(
      new Error(
        `sparsity.${what} lists ${value.length} values for ${layers} hidden layers; give one per layer or a single number`,
      ),
      { userFacing: true },
    );
  return value;
}

/** The config's penalty spelled out per hidden layer (null when there is none). */
export function layerPenalty(
  sparsity: SparsityConfig | undefined,
  layers: number,
): LayerPenalty | null {
  if (!sparsity) return null;
  return {
    type: sparsity.type,
    strength: perLayer(sparsity.strength, layers, "strength"),
    target: perLayer(sparsity.target, layers, "target"),
  };
}

/**
 * Σ_b P_b over the batch, from each hidden layer's spikes [T, B, H] (summed, not averaged, so
 * shards add up as the cross-entropy's sums do).
 */
export function ratePenaltySum(penalty: LayerPenalty, hidden: tf.Tensor3D[]): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    hidden.forEach((S, l) => {
      const lambda = penalty.strength[l];
      if (lambda === 0) return;
      const r = tf.mean(S, [0, 2]); // [B]: the sample's spikes per neuron per step
      const term =
        penalty.type === "l1" ? tf.sum(r) : tf.sum(tf.square(tf.sub(r, penalty.target[l])));
      total = tf.add(total, tf.mul(term, lambda));
    });
    return total as tf.Scalar;
  });
}
