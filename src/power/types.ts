/** The energy models a profile can name (src/power/models/): how its figures are combined. */
export type EnergyModelName = "arithmetic" | "memory-aware";

/**
 * Another conventional network of the same shape to compare against, beside the profile's own
 * ANN (e.g. the int8 ANN of Dampfhoffer et al. 2023's comparison).
 */
export interface AnnVariant {
  /** Names it in reports: "int8 ANN". */
  name: string;
  /** Energy of one multiply-accumulate at this width. */
  annMac: number;
  /** Energy of one neuron's activation (bias and nonlinearity); absent means 0. */
  annNeuron?: number;
  /** Width of its weights and activations, bits, for memory-aware profiles (default: the profile's). */
  bits?: number;
}

/** One SRAM of a memory-aware profile: its size and the energy of one full-word access. */
export interface SramBank {
  bytes: number;
  /** Energy of one access of `wordBits` bits. */
  energy: number;
}

/** What a memory-aware profile charges for memory (src/power/README.md). */
export interface MemoryFigures {
  /** Width of the access the bank energies are quoted for (Horowitz: 64 bits). */
  wordBits: number;
  /** Energy per access by memory size; an array lives in the smallest bank that holds it. */
  banks: SramBank[];
  /** Widths of the spiking network's weights and neuron state, and of activations, bits. */
  weightBits: number;
  stateBits: number;
  activationBits: number;
}

/** A named hardware profile, as kept in `src/power/profiles.json` (users can add their own). */
export interface HardwareProfile {
  name: string;
  description: string;
  /** The energy model (default "arithmetic": the fixed operation-count formula). */
  model?: EnergyModelName;
  /** Unit of the energies below: "J" for absolute figures, "flop" for FLOP-relative models. */
  unit: "J" | "flop";
  /** Energy of one synaptic operation (an accumulate triggered by a spike). */
  synapticOp: number;
  /**
   * Energy of one neuron state update (arithmetic: per neuron per tick, whatever the kind);
   * memory-aware: per state-update MAC, i.e. per decaying state variable per neuron per tick.
   */
  neuronUpdate: number;
  /** Energy of one multiply-accumulate of the conventional ANN, for the comparison. */
  annMac: number;
  /**
   * Energy of one ANN neuron's activation (bias and nonlinearity), for the comparison; absent
   * means 0. Hunsberger & Eliasmith count 1 FLOP.
   */
  annNeuron?: number;
  /** What reports call the ANN above ("fp32 ANN"); default "the ANN". */
  annLabel?: string;
  /** Further conventional networks of the same shape, compared beside it. */
  annVariants?: AnnVariant[];
  /** Memory figures; required by the memory-aware model. */
  memory?: MemoryFigures;
  /** Where the figures come from. */
  citation: string;
}

/** One term of an energy account: how many of a thing, and what they cost together. */
export interface EnergyTerm {
  /** "synaptic accumulates", "weight reads", ... (src/power/README.md defines each). */
  term: string;
  count: number;
  energy: number;
}

/** A conventional network's energy per frame, against the spiking run's. */
export interface BaselineEnergy {
  name: string;
  energyPerFrame: number;
  /** energyPerFrame / the spiking energy per frame (> 1: the spiking run is cheaper). */
  ratio: number;
  /** The ratio in words: "spiking costs 3.1× less than the int8 ANN". */
  comparison: string;
  terms: EnergyTerm[];
}

/** Energy of one frame, beside the same network run as a conventional ANN. */
export interface EnergyEstimate {
  profile: string;
  unit: "J" | "flop";
  /**
   * The profile's energy model. Optional (like the fields after `layerRates`) so estimates
   * written before it existed still type-check; estimateEnergy always sets them.
   */
  model?: EnergyModelName;
  /**
   * The spiking network's energy (the sum of breakdown.spiking). Arithmetic: synapticOps *
   * E_synop + inputMacs * E_mac + neuronUpdates * E_update: spikes cost accumulates, an analog
   * (constant-current) input costs multiply-accumulates into the first layer, once per frame.
   */
  energyPerFrame: number;
  /** energyPerFrame * frames per second actually processed (W for unit J; flop/s otherwise). */
  power: number;
  /** Spike-driven synaptic operations (the engine's count less inputMacs), accumulates. */
  synapticOps: number;
  /**
   * Multiply-accumulates of a non-spiking input into the first layer (0 for spiking input).
   * Optional so estimates written before it existed still type-check; absent means 0.
   */
  inputMacs?: number;
  neuronUpdates: number;
  annMacs: number;
  /** The profile's ANN (annLabel). Arithmetic: annMacs * E_mac + neurons * sequence steps * E_annNeuron */
  annEnergyPerFrame: number;
  /**
   * annEnergyPerFrame / energyPerFrame: how many times cheaper the spiking run is (Infinity
   * when the spiking run cost nothing, 0 when neither did).
   */
  ratio: number;
  /** Mean firing rate of each weighted layer over the frame, Hz (0 for non-spiking layers). */
  layerRates: number[];
  /** What the ratio compares with: the profile's annLabel, e.g. "fp32 ANN". */
  annLabel?: string;
  /** The ratio in words: "spiking costs 3.1× less than the fp32 ANN" (src/power/phrase.ts). */
  comparison?: string;
  /** Per term, the spiking network's and the ANN's energy (each sums to its total). */
  breakdown?: { spiking: EnergyTerm[]; ann: EnergyTerm[] };
  /** The profile's further ANNs (annVariants), each with its ratio. */
  baselines?: BaselineEnergy[];
  /**
   * Spike-driven synaptic operations / synapses that carry spikes (an analog input's synapses
   * left out): how often each synapse is traversed per frame (Dampfhoffer et al. 2023's
   * break-even figure). Absent when the estimate had no layer facts.
   */
  spikesPerSynapse?: number;
}
