/**
 * How many ticks a frame gets.
 *
 * In `reset` presentation every frame gets the same T ticks from a cleared state (deterministic).
 * In `continuous` presentation the network is one long simulation, so a frame is shown for the
 * simulated time that passed since the previous frame: its stamp delta divided by dt, rounded,
 * clamped to [minTicks, maxTicks]. A first frame, or a stamp that does not move forward (a bag
 * looping, a camera without clock), gets the nominal T.
 */
import type { Time } from "./types.js";

export interface ContinuousTicks {
  /** Fewest ticks per frame (>= 1). */
  minTicks: number;
  /** Most ticks per frame: a gap in the stream must not stall the pipeline. */
  maxTicks: number;
}

export function stampSeconds(t: Time): number {
  return t.sec + t.nanosec * 1e-9;
}

/**
 * Ticks for a frame in continuous presentation.
 * @param previous stamp of the previously simulated frame, or undefined for the first frame
 */
export function continuousTicks(
  previous: Time | undefined,
  stamp: Time,
  dt: number,
  nominal: number,
  limits: ContinuousTicks,
): number {
  const clamp = (n: number): number => Math.min(limits.maxTicks, Math.max(limits.minTicks, n));
  if (previous === undefined) return clamp(nominal);
  const delta = stampSeconds(stamp) - stampSeconds(previous);
  if (!Number.isFinite(delta) || delta <= 0) return clamp(nominal);
  return clamp(Math.round(delta / dt));
}

export function validateContinuousTicks(limits: ContinuousTicks): void {
  const { minTicks, maxTicks } = limits;
  if (!Number.isInteger(minTicks) || minTicks < 1) {
    throw new RangeError(`continuous.minTicks must be an integer >= 1 (got ${String(minTicks)}).`);
  }
  if (!Number.isInteger(maxTicks) || maxTicks < minTicks) {
    throw new RangeError(
      `continuous.maxTicks must be an integer >= minTicks (${minTicks}); got ${String(maxTicks)}.`,
    );
  }
}
