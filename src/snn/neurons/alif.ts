/**
 * Yin, Corradi & Bohté's adaptive LIF (2020), discrete form: per-neuron learned membrane and
 * adaptation time constants (one value per neuron in the weights file, seconds), threshold
 * b0 + β·η, reset by subtraction of the threshold, spikes of height `amplitude` (not / dt).
 *     η_t = ρ·η + (1−ρ)·S_{t−1};  θ = b0 + β·η_t;  u_t = α·u + (1−α)·J − θ·S_{t−1};  S_t = u_t > θ
 * with α = exp(−dt/τ_m), ρ = exp(−dt/τ_adp). η starts at 0 (design.md).
 */
import { z } from "zod";
import { nonNegative, positive, TensorRef } from "../spec-parts.js";
import { defineNeuron } from "./kind.js";

export const AlifNeuron = z.strictObject({
  model: z.literal("alif"),
  /** Membrane time constant per neuron, seconds. */
  tau_m: TensorRef,
  /** Adaptation time constant per neuron, seconds. */
  tau_adp: TensorRef,
  /** Base threshold. */
  b0: positive,
  /** Adaptation strength. */
  beta: nonNegative,
  /** Spike height. */
  amplitude: positive.default(1),
});
export type AlifSpec = z.infer<typeof AlifNeuron>;

export interface AlifConstants {
  b0: number;
  beta: number;
  /** exp(−dt/τ_m) per neuron. */
  alpha: Float64Array;
  /** exp(−dt/τ_adp) per neuron. */
  rho: Float64Array;
}

export const alif = defineNeuron({
  model: "alif",
  schema: AlifNeuron,
  spiking: true,
  spikeHeight: (spec) => spec.amplitude,
  stateVariables: ["v", "eta"],
  updateCost: { stateWords: 2, leaks: 2 },
  // `spiked`: S_{t-1}, the spike of the previous tick (0 or 1), which the update reads.
  buffers: ["v", "eta", "spiked"],
  perNeuron: { tau_m: "positive", tau_adp: "positive" },
  check: () => null,
  prepare(spec, ctx): AlifConstants {
    const tauM = ctx.perNeuron("tau_m");
    const tauAdp = ctx.perNeuron("tau_adp");
    const alpha = new Float64Array(ctx.n);
    const rho = new Float64Array(ctx.n);
    for (let i = 0; i < ctx.n; i++) {
      alpha[i] = Math.exp(-ctx.dt / tauM[i]);
      rho[i] = Math.exp(-ctx.dt / tauAdp[i]);
    }
    return { b0: spec.b0, beta: spec.beta, alpha, rho };
  },
  step(c, state, J, n, spikes) {
    const { b0, beta, alpha, rho } = c;
    const V = state.v;
    const eta = state.eta;
    const spiked = state.spiked;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const s = spiked[i];
      eta[i] = rho[i] * eta[i] + (1 - rho[i]) * s;
      const theta = b0 + beta * eta[i];
      const v = alpha[i] * V[i] + (1 - alpha[i]) * J[i] - theta * s;
      V[i] = v;
      if (v > theta) {
        spiked[i] = 1;
        spikes[count++] = i;
      } else spiked[i] = 0;
    }
    return count;
  },
});
