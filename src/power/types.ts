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
  /** Where the figures come from. */
  citation: string;
}

/** Energy of one frame, beside the same network run as a conventional ANN. */
export interface EnergyEstimate {
  profile: string;
  unit: "J" | "flop";
  /** synapticOps * E_synop + neuronUpdates * E_update */
  energyPerFrame: number;
  /** energyPerFrame * frames per second actually processed (W for unit J; flop/s otherwise). */
  power: number;
  synapticOps: number;
  neuronUpdates: number;
  annMacs: number;
  annEnergyPerFrame: number;
  /** annEnergyPerFrame / energyPerFrame: how many times cheaper the spiking run is. */
  ratio: number;
  /** Mean firing rate of each spiking layer over the frame, Hz. */
  layerRates: number[];
}
