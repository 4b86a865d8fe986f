/** Non-spiking: the layer's output is its input current J itself (the readout accumulates it). */
import { z } from "zod";
import { defineNeuron } from "./kind.js";

export const LinearNeuron = z.strictObject({
  model: z.literal("linear"),
});

export const linear = defineNeuron({
  model: "linear",
  schema: LinearNeuron,
  spiking: false,
  spikeHeight: () => 1,
  // No state: v only mirrors J for the membrane readout.
  stateVariables: [],
  updateCost: { stateWords: 0, leaks: 0 },
  buffers: ["v"],
  perNeuron: {},
  check: () => null,
  prepare: () => null,
  step(_c, state, J, n, _spikes, out) {
    const V = state.v;
    for (let i = 0; i < n; i++) {
      V[i] = J[i];
      out[i] = J[i];
    }
    return 0;
  },
});
