/**
 * Option values shared by several commands, checked in one place so that `--timesteps` and
 * `--early-exit` mean and refuse the same everywhere (replay, bench, infer, run).
 */
import { timestepsProblem } from "../decode/decoder.js";
import { parseEarlyExit, type EarlyExitOptions } from "../decode/early-exit.js";
import type { Model } from "../snn/model.js";
import { UserError } from "./fatal.js";

export const TIMESTEPS_HELP = "ticks per frame (default: the model's presentation.timesteps)";
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

/**
 * The ticks a loaded model runs per input: `--timesteps` checked against the model (a sequence
 * encoder fixes the count; a reset readout window must be reached), or the model's own.
 */
export function ticksFor(model: Model, timesteps: number | undefined): number {
  if (timesteps === undefined) return model.spec.presentation.timesteps;
  const steps = model.sequenceLength;
  if (steps !== null && timesteps !== steps) {
    throw new UserError(
      `--timesteps ${timesteps}: ${model.spec.name} reads each input as a sequence of ${steps} ticks (${model.spec.input.encoder.type} encoder), which fixes the ticks; leave --timesteps out`,
    );
  }
  const problem =
    model.spec.presentation.mode === "reset" ? timestepsProblem(model.spec, timesteps) : null;
  if (problem) throw new UserError(`--timesteps ${timesteps}: ${problem}`);
  return timesteps;
}
