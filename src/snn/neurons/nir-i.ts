/** NIR's integrator in discrete time (reference/nir.md): v ← v + r·x per step (no dt, like IF); the output is v. */
import { z } from "zod";
import { defineNeuron } from "./kind.js";
import { param, values } from "./nir-params.js";

export const NirINeuron = z.strictObject({
  model: z.literal("nir_i"),
  r: param.default(1),
});

export const nirI = defineNeuron({
  model: "nir_i",
  schema: NirINeuron,
  spiking: false,
  spikeHeight: () => 1,
  stateVariables: ["v"],
  updateCost: { stateWords: 1, leaks: 0 },
  buffers: ["v"],
  perNeuron: { r: "finite" },
  check: () => null,
  prepare: (_spec, ctx) => ({ r: values(ctx.perNeuron, "r", ctx.n) }),
  step(c, state, J, n, _spikes, out) {
    const r = c.r;
    const V = state.v;
    for (let i = 0; i < n; i++) {
      const v = V[i] + r[i] * J[i];
      V[i] = v;
      out[i] = v;
    }
    return 0;
  },
});
