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
