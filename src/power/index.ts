export { estimateEnergy, type EstimateOptions } from "./estimate.js";
export {
  BUILTIN_PROFILES,
  DEFAULT_PROFILE,
  HardwareProfileSchema,
  ProfileError,
  ProfileFileSchema,
  ProfileRegistry,
  loadProfileFile,
  parseProfiles,
} from "./profiles.js";
export type { EnergyEstimate, HardwareProfile } from "./types.js";
export {
  compareSequenceEnergy,
  lstmSequenceOps,
  rnnSequenceOps,
  sequenceOpsEnergy,
  snnSequenceOps,
  type CountingOptions,
  type NetworkEnergy,
  type RecurrentShape,
  type SequenceEnergyComparison,
  type SequenceOps,
  type SpikingMeasurement,
} from "./recurrent.js";
