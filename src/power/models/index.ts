/** The energy models by name: a profile's `model` picks one (default "arithmetic"). */
import type { EnergyModelName } from "../types.js";
import { arithmeticModel } from "./arithmetic.js";
import { memoryAwareModel } from "./memory-aware.js";
import type { EnergyModel } from "./types.js";

export const ENERGY_MODELS: Readonly<Record<EnergyModelName, EnergyModel>> = {
  arithmetic: arithmeticModel,
  "memory-aware": memoryAwareModel,
};

export type { ConventionalSpec, EnergyInput, EnergyModel } from "./types.js";
