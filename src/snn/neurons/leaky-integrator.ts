/** Non-spiking leaky integrator readout: u ← a·u + (1−a)·J with a = exp(−dt/τ); the output is u. */
import { z } from "zod";
import { positive } from "../spec-parts.js";
import { defineNeuron } from "./kind.js";

export const LeakyIntegratorNeuron = z.strictObject({
  model: z.literal("leaky_integrator"),
  /** Time constant, seconds. */
  tau: positive,
});

export const leakyIntegrator = defineNeuron({
  model: "leaky_integrator",
  schema: LeakyIntegratorNeuron,
  spiking: false,
  spikeHeight: () => 1,
  stateVariables: ["v"],
  updateCost: { stateWords: 1, leaks: 1 },
  buffers: ["v"],
  perNeuron: {},
  check: () => null,
  prepare: (spec, ctx) => ({ a: Math.exp(-ctx.dt / spec.tau) }),
  step(c, state, J, n, _spikes, out) {
    const a = c.a;
    const V = state.v;
    for (let i = 0; i < n; i++) {
      V[i] = a * V[i] + (1 - a) * J[i];
      out[i] = V[i];
    }
    return 0;
  },
});
