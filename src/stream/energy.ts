/**
 * The power stage as the pipeline uses it: a hardware profile chosen once (built-in or the
 * user's), then energy per frame and power at the rate actually processed.
 */
import { estimateEnergy, ProfileRegistry } from "../power/index.js";
import type { EnergyEstimate, HardwareProfile } from "../power/index.js";
import type { FrameCounters } from "../snn/counters.js";

export interface EnergyModel {
  readonly profile: HardwareProfile;
  estimate(counters: FrameCounters, framesPerSecond: number): EnergyEstimate;
}

/**
 * @param analogInput the encoder feeds real-valued currents (constant, rows, pixel_windows): the
 *   first layer's synaptic operations are then multiply-accumulates of pixel values, see src/power
 */
export function createEnergyModel(
  analogInput: boolean,
  profileName?: string,
  extra: readonly HardwareProfile[] = [],
): EnergyModel {
  const profile = new ProfileRegistry(extra).get(profileName);
  return {
    profile,
    estimate: (counters, fps) => estimateEnergy(counters, profile, fps, { analogInput }),
  };
}
