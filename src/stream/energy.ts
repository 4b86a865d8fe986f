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
 *   input-driven synaptic operations are then multiply-accumulates of pixel values, see src/power
 * @param sequenceLength steps of a sequence encoder (rows, pixel_windows), null for a frame
 *   encoder: the conventional network it is compared with activates its neurons once per step
 */
export function createEnergyModel(
  analogInput: boolean,
  profileName?: string,
  extra: readonly HardwareProfile[] = [],
  sequenceLength: number | null = null,
): EnergyModel {
  const profile = new ProfileRegistry(extra).get(profileName);
  return {
    profile,
    estimate: (counters, fps) =>
      estimateEnergy(counters, profile, fps, { analogInput, sequenceLength }),
  };
}
