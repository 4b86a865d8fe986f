/**
 * The power stage as the pipeline uses it: a hardware profile chosen once (built-in or the
 * user's), the model's layer facts taken once, then energy per frame and power at the rate
 * actually processed.
 */
import { energyLayers, estimateEnergy, ProfileRegistry } from "../power/index.js";
import type { EnergyEstimate, HardwareProfile } from "../power/index.js";
import type { FrameCounters } from "../snn/counters.js";
import type { Model } from "../snn/model.js";

// The one direction phrase, for the layers above stream (bag, ros) that do not import power.
export { energyUnits, ratioPhrase, si } from "../power/index.js";

export interface PowerStage {
  readonly profile: HardwareProfile;
  estimate(counters: FrameCounters, framesPerSecond: number): EnergyEstimate;
}

/**
 * @param model the model the counters come from (its layer facts: sizes, state per neuron
 *   kind); its sequenceLength is the steps of a sequence encoder (rows, pixel_windows), null for
 *   a frame encoder: the conventional network it is compared with activates its neurons once
 *   per step
 * @param analogInput the encoder feeds real-valued currents (constant, rows, pixel_windows): the
 *   input-driven synaptic operations are then multiply-accumulates of pixel values, see src/power
 */
export function createPowerStage(
  model: Model,
  analogInput: boolean,
  profileName?: string,
  extra: readonly HardwareProfile[] = [],
): PowerStage {
  const profile = new ProfileRegistry(extra).get(profileName);
  const layers = energyLayers(model);
  const sequenceLength = model.sequenceLength;
  return {
    profile,
    estimate: (counters, fps) =>
      estimateEnergy(counters, profile, fps, { analogInput, sequenceLength, layers }),
  };
}
