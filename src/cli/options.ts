/**
 * Option values shared by several commands, checked in one place so that `--timesteps` and
 * `--early-exit` mean and refuse the same everywhere (replay, bench, infer, run).
 */
import { parseEarlyExit, type EarlyExitOptions } from "../decode/early-exit.js";
import { UserError } from "./fatal.js";

export const TIMESTEPS_HELP =
  "ticks per frame (default: the model's presentation.timesteps)";
export const EARLY_EXIT_HELP =
  "stop a frame once the winner leads the runner-up by margin (readout units: spikes) for hold ticks, never before min ticks: margin:hold[:min], e.g. 1:10 (default: off)";

/** `--timesteps T`: a whole number of ticks >= 1, or undefined for the model's. */
export function timestepsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 1) {
    throw new UserError(
      `--timesteps ${value}: give a whole number of ticks >= 1, or leave it out for the model's presentation.timesteps`,
    );
  }
  return n;
}

/** `--early-exit margin:hold[:min]`, or false when absent. */
export function earlyExitOption(value: string | undefined): EarlyExitOptions | false {
  if (value === undefined) return false;
  try {
    return parseEarlyExit(value);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}
