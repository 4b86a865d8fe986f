/**
 * The arithmetic model (Hunsberger & Eliasmith 2016's account, and the one every profile used
 * before memory was counted): operations times a fixed energy each, memory not counted.
 *   spiking = synaptic ops × E_synop + input MACs × E_mac + neuron updates × E_update
 *   ANN     = ANN MACs × E_mac + neurons × steps × E_annNeuron
 * Every neuron update costs E_update whatever the kind (kept so no figure moves; the
 * memory-aware model charges per state variable).
 */
import type { EnergyTerm } from "../types.js";
import type { EnergyModel } from "./types.js";

export const arithmeticModel: EnergyModel = {
  name: "arithmetic",
  spiking({ counters, inputMacs }, profile): EnergyTerm[] {
    const synapticOps = counters.total.synapticOps - inputMacs;
    const updates = counters.total.neuronUpdates;
    return [
      {
        term: "synaptic accumulates",
        count: synapticOps,
        energy: synapticOps * profile.synapticOp,
      },
      { term: "input MACs", count: inputMacs, energy: inputMacs * profile.annMac },
      { term: "neuron updates", count: updates, energy: updates * profile.neuronUpdate },
    ];
  },
  conventional({ counters, steps }, _profile, ann): EnergyTerm[] {
    const macs = counters.total.annMacs;
    const activations = counters.total.neurons * steps;
    return [
      { term: "MACs", count: macs, energy: macs * ann.annMac },
      { term: "activations", count: activations, energy: activations * ann.annNeuron },
    ];
  },
};
