export { annName, estimateEnergy, spikesPerSynapse, type EstimateOptions } from "./estimate.js";
export {
  energyLayers,
  neuronStateCounts,
  synapseStateCounts,
  type EnergyLayer,
  type StateCounts,
} from "./layers.js";
export {
  ENERGY_MODELS,
  type ConventionalSpec,
  type EnergyInput,
  type EnergyModel,
} from "./models/index.js";
export { energyRatio, ratioPhrase } from "./phrase.js";
export { energyUnits, si } from "./units.js";
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
export { arrayBytes, sramAccessEnergy } from "./sram.js";
export type {
  AnnVariant,
  BaselineEnergy,
  EnergyEstimate,
  EnergyModelName,
  EnergyTerm,
  HardwareProfile,
  MemoryFigures,
  SramBank,
} from "./types.js";
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
  type SequenceVariant,
  type SpikingMeasurement,
} from "./recurrent.js";
export {
  conventionalSequenceTerms,
  snnSequenceTerms,
  termsEnergy,
  type ConventionalPrices,
  type SnnAccountInput,
} from "./recurrent-accounts.js";
