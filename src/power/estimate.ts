/**
 * Energy of one frame from the engine's counters, for a hardware profile, beside the same
 * network run once as a conventional ANN (Hunsberger & Eliasmith 2016's comparison):
 *
 *   SNN = synaptic ops × E_synop + input MACs × E_mac + neuron updates × E_update
 *   ANN = ANN MACs × E_mac + neurons × E_annNeuron
 *   power = SNN energy per frame × frames per second actually processed
 */
import type { FrameCounters } from "../snn/counters.js";
import type { EnergyEstimate, HardwareProfile } from "./types.js";

export interface EstimateOptions {
  /**
   * The input is analog (the constant-current encoder): the first layer's synaptic operations
   * are then multiply-accumulates of pixel values, computed once per frame, and cost E_mac (as
   * Hunsberger's code charges 2 FLOPs per input synapse). Pass `encoder.constant`. Exact for a
   * feed-forward first layer; for a recurrent first layer its recurrent spikes are charged as
   * MACs too (the counters do not separate them). Default false (spiking input: accumulates).
   */
  analogInput?: boolean;
}

export function estimateEnergy(
  counters: FrameCounters,
  profile: HardwareProfile,
  framesPerSecond: number,
  options: EstimateOptions = {},
): EnergyEstimate {
  if (!(framesPerSecond >= 0) || !Number.isFinite(framesPerSecond)) {
    throw new RangeError(`framesPerSecond is ${framesPerSecond}; it must be a finite number >= 0`);
  }
  const total = counters.total;
  const inputMacs = options.analogInput ? (counters.layers[0]?.synapticOps ?? 0) : 0;
  const synapticOps = total.synapticOps - inputMacs;
  const energyPerFrame =
    synapticOps * profile.synapticOp +
    inputMacs * profile.annMac +
    total.neuronUpdates * profile.neuronUpdate;
  const annEnergyPerFrame =
    total.annMacs * profile.annMac + total.neurons * (profile.annNeuron ?? 0);
  const seconds = counters.ticks * counters.dt;
  return {
    profile: profile.name,
    unit: profile.unit,
    energyPerFrame,
    power: energyPerFrame * framesPerSecond,
    synapticOps,
    inputMacs,
    neuronUpdates: total.neuronUpdates,
    annMacs: total.annMacs,
    annEnergyPerFrame,
    ratio:
      energyPerFrame > 0
        ? annEnergyPerFrame / energyPerFrame
        : annEnergyPerFrame > 0
          ? Infinity
          : 0,
    layerRates: counters.layers.map((l) =>
      seconds > 0 && l.neurons > 0 ? l.spikes / (l.neurons * seconds) : 0,
    ),
  };
}
