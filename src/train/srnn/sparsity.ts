/**
 * The firing-rate penalty of BPTT training (config `sparsity`): per sample b and hidden layer l,
 * with r_lb = (1/(T·H_l)) Σ_t Σ_i S_lbti the layer's spikes per neuron per step in that sample,
 * added to the sample's cross-entropy as ../rate-penalty.ts defines it (l1, target, above). Yin et al. reach 0.03–0.1 spikes per neuron per step
 * (papers.md B); the penalty is how training is asked for that sparsity. Gradients reach the
 * weights through the spike function's surrogate, as the cross-entropy's do.
 */
import * as tf from "@tensorflow/tfjs";
import { penaltyFromRates, type LayerPenalty } from "../rate-penalty.js";

export { layerPenalty, type LayerPenalty } from "../rate-penalty.js";

/**
 * Σ_b P_b over the batch, from each hidden layer's spikes [T, B, H] (summed, not averaged, so
 * shards add up as the cross-entropy's sums do).
 */
export function ratePenaltySum(penalty: LayerPenalty, hidden: tf.Tensor3D[]): tf.Scalar {
  return tf.tidy(() =>
    penaltyFromRates(
      penalty,
      // [B]: the sample's spikes per neuron per step
      hidden.map((S) => tf.mean(S, [0, 2]) as tf.Tensor1D),
    ),
  );
}
