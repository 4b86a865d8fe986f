/**
 * Soft-LIF (Hunsberger & Eliasmith 2015): the LIF rate curve with the hard threshold
 * smoothed by a softplus, and the paper's training noise.
 *
 *   y = gain·x/γ;  j = γ·softplus(y)                     (ρ_γ(gain·x), i.e. ρ_γ(J − 1) with J = gain·x + 1)
 *   r = amplitude / (τ_ref + τ_RC·log1p(1/j))  for j > 0, else 0
 *   training: r += amplitude·N(0, σ) where y > 0 (the neuron would fire), then r = max(r, 0);
 *   with a count window W: r = (amplitude/W)·floor(r·W/amplitude + u), u ~ U(0, 1)
 *
 * Gradient (noise ignored), written so it stays finite everywhere:
 *   dr/dx = τ_RC·gain·r²·q / (amplitude·γ·(j + 1)),  q = sigmoid(y)/softplus(y) ∈ (0, 1]
 * which equals the CUDA code's m·a·τ_RC / ((τ_ref + τ_RC·log1p(1/j))²·j·(j+1)·(1+e^{−y})).
 */
import * as tf from "@tensorflow/tfjs";

export interface SoftLifParams {
  /** Membrane time constant, seconds. */
  tau_rc: number;
  /** Refractory period, seconds. */
  tau_ref: number;
  /** Output scale m (the spiking network's spike amplitude). */
  amplitude: number;
  /** Input gain a: J = a·x + 1. */
  gain: number;
  /** Softplus smoothing γ (→ 0 gives the hard LIF curve). */
  gamma: number;
  /** Training noise standard deviation σ (in units of the rate before amplitude). */
  sigma: number;
  /** Spike-count noise window in seconds (training only; see config.ts `count_window`). */
  count_window?: number;
}

export const PAPER_MNIST_SOFT_LIF: SoftLifParams = {
  tau_rc: 0.022,
  tau_ref: 0.002,
  amplitude: 0.063,
  gain: 1,
  gamma: 0.02,
  sigma: 10,
};

/** The analytic LIF rate for input current J (threshold 1), in Hz: the γ → 0 limit. */
export function lifRate(J: number, tau_rc: number, tau_ref: number): number {
  return J > 1 ? 1 / (tau_ref - tau_rc * Math.log1p(-1 / J)) : 0;
}

/** Below this y the ratio sigmoid(y)/softplus(y) is 1 to float32 precision (error ≈ e^y/2). */
const Q_LINEAR_BELOW = -15;

function rateOf(x: tf.Tensor, p: SoftLifParams): { r: tf.Tensor; y: tf.Tensor; j: tf.Tensor } {
  const y = tf.mul(x, p.gain / p.gamma);
  const j = tf.mul(tf.softplus(y), p.gamma);
  const pos = tf.greater(j, 0);
  const jSafe = tf.where(pos, j, tf.onesLike(j));
  const denom = tf.add(tf.mul(tf.log1p(tf.reciprocal(jSafe)), p.tau_rc), p.tau_ref);
  const r = tf.where(pos, tf.div(p.amplitude, denom), tf.zerosLike(j));
  return { r, y, j };
}

/**
 * Applies soft-LIF. With `noiseSeed` (training), adds the paper's Gaussian noise; without it
 * (inference), the output is deterministic.
 */
export function softLif(x: tf.Tensor, p: SoftLifParams, noiseSeed?: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const { r, y, j } = rateOf(xi, p);
    save([r, y, j]);
    let out = r;
    if (noiseSeed !== undefined && p.sigma > 0) {
      const noise = tf.randomNormal(xi.shape, 0, p.sigma * p.amplitude, "float32", noiseSeed);
      out = tf.relu(tf.add(r, tf.where(tf.greater(y, 0), noise, tf.zerosLike(noise))));
    }
    if (noiseSeed !== undefined && p.count_window !== undefined) {
      // A neuron of random phase (Nengo's uniform initial voltage) fires floor(rate·W + u)
      // spikes in a window W: the rate rounded stochastically to whole spikes. The gradient
      // passes straight through (gradFunc below ignores the rounding, as it ignores σ).
      const perSpike = p.amplitude / p.count_window;
      const phase = tf.randomUniform(xi.shape, 0, 1, "float32", (noiseSeed ^ 0x5bd1e995) >>> 0);
      out = tf.mul(tf.floor(tf.add(tf.div(out, perSpike), phase)), perSpike);
    }
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [rs, ys, js] = saved;
        const sp = tf.softplus(ys);
        const q = tf.where(
          tf.less(ys, Q_LINEAR_BELOW),
          tf.onesLike(ys),
          tf.div(tf.sigmoid(ys), tf.maximum(sp, 1e-30)),
        );
        const scale = (p.tau_rc * p.gain) / (p.amplitude * p.gamma);
        const g = tf.div(tf.mul(tf.mul(tf.square(rs), q), scale), tf.add(js, 1));
        return tf.mul(dy, g);
      },
    };
  });
  return f(x);
}
