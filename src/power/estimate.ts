/**
 * Energy of one frame from the engine's counters, for a hardware profile, beside the same
 * network run once as a conventional ANN (Hunsberger & Eliasmith 2016's comparison) and the
 * profile's further ANNs (e.g. int8, Dampfhoffer et al. 2023). The profile's energy model
 * (src/power/models/) turns counts into energy term by term; under the arithmetic model:
 *
 *   SNN = synaptic ops × E_synop + input MACs × E_mac + neuron updates × E_update
 *   ANN = ANN MACs × E_mac + neurons × steps per frame × E_annNeuron
 *   power = SNN energy per frame × frames per second actually processed
 */
import type { FrameCounters } from "../snn/counters.js";
import type { EnergyLayer } from "./layers.js";
import { ENERGY_MODELS, type ConventionalSpec, type EnergyInput } from "./models/index.js";
import { energyRatio, ratioPhrase } from "./phrase.js";
import type { EnergyEstimate, EnergyTerm, HardwareProfile } from "./types.js";

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
  /**
   * The model's layer facts, energyLayers(model): needed by memory-aware profiles and for
   * spikesPerSynapse (absent without them).
   */
  layers?: readonly EnergyLayer[];
}

const sum = (terms: readonly EnergyTerm[]): number => {
  let total = 0;
  for (const t of terms) total += t.energy;
  return total;
};

/** The ANN a ratio is against, as reports name it: "the fp32 ANN". */
export const annName = (label: string): string => `the ${label}`;

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
  const modelName = profile.model ?? "arithmetic";
  const model = ENERGY_MODELS[modelName];
  const input: EnergyInput = { counters, inputMacs, steps, layers: options.layers };
  const spiking = model.spiking(input, profile);
  const energyPerFrame = sum(spiking);
  const annLabel = profile.annLabel ?? "ANN";
  const primary: ConventionalSpec = {
    name: annLabel,
    annMac: profile.annMac,
    annNeuron: profile.annNeuron ?? 0,
  };
  const ann = model.conventional(input, profile, primary);
  const annEnergyPerFrame = sum(ann);
  const ratio = energyRatio(annEnergyPerFrame, energyPerFrame);
  const baselines = (profile.annVariants ?? []).map((v) => {
    const terms = model.conventional(input, profile, {
      name: v.name,
      annMac: v.annMac,
      annNeuron: v.annNeuron ?? 0,
      bits: v.bits,
    });
    const energy = sum(terms);
    const r = energyRatio(energy, energyPerFrame);
    return {
      name: v.name,
      energyPerFrame: energy,
      ratio: r,
      comparison: ratioPhrase(r, annName(v.name)),
      terms,
    };
  });
  const seconds = counters.ticks * counters.dt;
  const synapticOps = total.synapticOps - inputMacs;
  const estimate: EnergyEstimate = {
    profile: profile.name,
    unit: profile.unit,
    model: modelName,
    energyPerFrame,
    power: energyPerFrame * framesPerSecond,
    synapticOps,
    inputMacs,
    neuronUpdates: total.neuronUpdates,
    annMacs: total.annMacs,
    annEnergyPerFrame,
    ratio,
    layerRates: counters.layers.map((l) =>
      seconds > 0 && l.neurons > 0 ? l.spikes / (l.neurons * seconds) : 0,
    ),
    annLabel,
    comparison: ratioPhrase(ratio, annName(annLabel)),
    breakdown: { spiking, ann },
    baselines,
  };
  if (options.layers) {
    estimate.spikesPerSynapse = spikesPerSynapse(
      synapticOps,
      options.layers,
      options.analogInput === true,
    );
  }
  return estimate;
}

/**
 * Spike-driven synaptic operations per synapse that carries spikes: Dampfhoffer et al. 2023's
 * spikes per synapse per inference. An analog input's synapses carry values, not spikes, and
 * are left out of both counts.
 */
export function spikesPerSynapse(
  spikeDrivenOps: number,
  layers: readonly EnergyLayer[],
  analogInput: boolean,
): number {
  let synapses = 0;
  for (const l of layers) synapses += l.connections;
  if (analogInput && layers.length > 0) synapses -= layers[0].sourceConnections;
  return synapses > 0 ? spikeDrivenOps / synapses : 0;
}
