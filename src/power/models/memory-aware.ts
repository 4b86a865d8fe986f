/**
 * The memory-aware model after Lemaire et al. 2022 (ICONIP, arXiv 2210.13107), with Horowitz's
 * 45 nm SRAM figures (src/power/README.md gives every term and its source). Per weighted layer:
 *   spiking, per synaptic event: accumulate + weight read + membrane read + membrane write;
 *     per neuron update: a read and a write of each state variable, and a MAC per decaying one
 *     (the leak); an analog input's MAC: MAC + weight read + input read.
 *   ANN, per MAC: MAC + weight read + input read (pooling adds: add-as-MAC + input read);
 *     per neuron per step: one activation.
 * Each read or write costs sramAccessEnergy(size of the array read, width).
 */
import type { EnergyLayer } from "../layers.js";
import { arrayBytes, sramAccessEnergy } from "../sram.js";
import type { EnergyTerm, HardwareProfile, MemoryFigures } from "../types.js";
import { TermAccumulator, type EnergyInput, type EnergyModel } from "./types.js";

function requirements(
  input: EnergyInput,
  profile: HardwareProfile,
): { memory: MemoryFigures; layers: readonly EnergyLayer[] } {
  const memory = profile.memory;
  if (!memory) {
    throw new RangeError(
      `profile "${profile.name}" uses the memory-aware model but has no "memory" figures; add memory: { wordBits, banks, weightBits, stateBits, activationBits } (src/power/README.md)`,
    );
  }
  const layers = input.layers;
  const counted = input.counters.layers;
  if (!layers) {
    throw new RangeError(
      `profile "${profile.name}" uses the memory-aware model, which needs each layer's sizes; pass options.layers = energyLayers(model) to estimateEnergy`,
    );
  }
  if (layers.length !== counted.length || layers.some((l, k) => l.layer !== counted[k].layer)) {
    throw new RangeError(
      `profile "${profile.name}": the layer facts (layers ${layers.map((l) => l.layer).join(", ")}) do not match the counters (layers ${counted.map((l) => l.layer).join(", ")}); build them with energyLayers() from the model that produced the counters`,
    );
  }
  return { memory, layers };
}

export const memoryAwareModel: EnergyModel = {
  name: "memory-aware",
  spiking(input, profile): EnergyTerm[] {
    const { memory, layers } = requirements(input, profile);
    const { weightBits, stateBits, activationBits } = memory;
    const terms = new TermAccumulator();
    input.counters.layers.forEach((c, k) => {
      const f = layers[k];
      const inputMacs = k === 0 ? input.inputMacs : 0;
      const events = c.synapticOps - inputMacs;
      const weightRead = sramAccessEnergy(arrayBytes(f.weights, weightBits), weightBits, memory);
      // One state variable's array: one word per neuron.
      const stateAccess = sramAccessEnergy(arrayBytes(f.neurons, stateBits), stateBits, memory);
      terms.add("synaptic accumulates", events, profile.synapticOp);
      terms.add("weight reads", events, weightRead);
      terms.add("membrane reads", events, stateAccess);
      terms.add("membrane writes", events, stateAccess);
      terms.add("input MACs", inputMacs, profile.annMac);
      terms.add("weight reads", inputMacs, weightRead);
      const inputRead = sramAccessEnergy(
        arrayBytes(f.inputs, activationBits),
        activationBits,
        memory,
      );
      terms.add("input reads", inputMacs, inputRead);
      const stateWords = c.neuronUpdates * f.stateVariables;
      terms.add("state reads", stateWords, stateAccess);
      terms.add("state writes", stateWords, stateAccess);
      terms.add("state-update MACs", c.neuronUpdates * f.stateUpdates, profile.neuronUpdate);
    });
    return terms.list();
  },
  conventional(input, profile, ann): EnergyTerm[] {
    const { memory, layers } = requirements(input, profile);
    const wBits = ann.bits ?? memory.weightBits;
    const aBits = ann.bits ?? memory.activationBits;
    const terms = new TermAccumulator();
    input.counters.layers.forEach((c, k) => {
      const f = layers[k];
      const macs = f.connections * input.steps;
      const poolAdds = f.poolAdds * input.steps;
      terms.add("MACs", c.annMacs, ann.annMac);
      terms.add(
        "weight reads",
        macs,
        sramAccessEnergy(arrayBytes(f.weights, wBits), wBits, memory),
      );
      terms.add("input reads", macs, sramAccessEnergy(arrayBytes(f.inputs, aBits), aBits, memory));
      terms.add(
        "input reads",
        poolAdds,
        sramAccessEnergy(arrayBytes(f.poolInputs, aBits), aBits, memory),
      );
      terms.add("activations", c.neurons * input.steps, ann.annNeuron);
    });
    return terms.list();
  },
};
