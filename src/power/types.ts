/** A named hardware profile, as kept in `src/power/profiles.json` (users can add their own). */
export interface HardwareProfile {
  name: string;
  description: string;
  /** Unit of the energies below: "J" for absolute figures, "flop" for FLOP-relative models. */
  unit: "J" | "flop";
  /** Energy of one synaptic operation (an accumulate triggered by a spike). */
  synapticOp: number;
  /** Energy of one neuron state update. */
  neuronUpdate: number;
  /** Energy of one multiply-accumulate of the conventional ANN, for the comparison. */
  annMac: number;
  /**
   * Energy of one ANN neuron's activation (bias and nonlinearity), for the comparison; absent
   * means 0. Hunsberger & Eliasmith count 1 FLOP.
   */
  annNeuron?: number;
  /** Where the figures come from. */
  citation: string;
}

/** Energy of one frame, beside the same network run as a conventional ANN. */
export interface EnergyEstimate {
  profile: string;
  unit: "J" | "flop";
  /**
   * synapticOps * E_synop + inputMacs * E_mac + neuronUpdates * E_update: spikes cost
   * accumulates, an analog (constant-current) input costs multiply-accumulates into the first
   * layer, once per frame.
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
  /** annMacs * E_mac + neurons * sequence steps * E_annNeuron */
  annEnergyPerFrame: number;
  /**
   * annEnergyPerFrame / energyPerFrame: how many times cheaper the spiking run is (Infinity
   * when the spiking run cost nothing, 0 when neither did).
   */
  ratio: number;
  /** Mean firing rate of each weighted layer over the frame, Hz (0 for non-spiking layers). */
  layerRates: number[];
}
