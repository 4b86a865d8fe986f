/**
 * Energy of one frame from the engine's counters, for a hardware profile, beside the same
 * network run once as a conventional ANN (Hunsberger & Eliasmith 2016's comparison):
 *
 *   SNN = synaptic ops × E_synop + input MACs × E_mac + neuron updates × E_update
 *   ANN = ANN MACs × E_mac + neurons × steps per frame × E_annNeuron
 *   power = SNN energy per frame × frames per second actually processed
 */
import type { FrameCounters } from "../snn/counters.js";
import type { EnergyEstimate, HardwareProfile } from "./types.js";

export interface EstimateOptions {
  /**
   * The input is analog (the constant-current encoder): the first layer's synaptic operations
   * are then multiply-accumulates of pixel values, computed once per frame, and cost E_mac (as
   * Hunsberger's code charges 2 FLOPs per input synapse). Pass `encoder.analog`. Only the
   * input-driven operations (`counters.inputOps`) are MACs: a recurrent first layer's own spikes
   * stay accumulates. (Counters without inputOps, written before it existed, charge all of the
   * first layer's operations, exact for a feed-forward first layer.) Default false (spiking
   * input: accumulates).
   */
  analogInput?: boolean;
  /**
   * Steps of the conventional network per frame: under a sequence encoder (rows, pixel_windows)
   * a frame is a sequence and the RNN of the same shape activates every neuron once per step,
   * as counters.total.annMacs already counts its MACs. Pass `model.sequenceLength`; default 1.
   */
  sequenceLength?: number | null;
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
  const steps = options.sequenceLength ?? 1;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(
      `sequenceLength is ${steps}; it must be a positive integer (1 for frame encoders)`,
    );
  }
  const total = counters.total;
  const inputMacs = options.analogInput
    ? (counters.inputOps ?? counters.layers[0]?.synapticOps ?? 0)
    : 0;
  const synapticOps = total.synapticOps - inputMacs;
  const energyPerFrame =
    synapticOps * profile.synapticOp +
    inputMacs * profile.annMac +
    total.neuronUpdates * profile.neuronUpdate;
  const annEnergyPerFrame =
    total.annMacs * profile.annMac + total.neurons * steps * (profile.annNeuron ?? 0);
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
