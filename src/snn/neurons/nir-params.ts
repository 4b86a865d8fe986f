/**
 * Pieces the NIR neuron kinds share (reference/nir.md, models/FORMAT.md "NIR neurons"): a
 * parameter is one finite number for the whole layer or a TensorRef with one value per neuron;
 * the v_reset-below-v_threshold check, neuron by neuron; and the per-neuron constants a step
 * reads (Float64Array, numbers repeated), so that every kind's step is one loop over arrays.
 */
import { z } from "zod";
import { positive, TensorRef } from "../spec-parts.js";
import type { SpecProblem } from "./kind.js";

/** A finite number, or a TensorRef of one value per neuron. */
export const param = z.union([z.number().finite(), TensorRef]);
/** A time constant in seconds (> 0), or a TensorRef of one per neuron (each checked > 0 on load). */
export const positiveParam = z.union([positive, TensorRef]);

/** The field's values as float64, one per neuron. */
export function values(perNeuron: (field: string) => ArrayLike<number>, field: string, n: number) {
  const v = perNeuron(field); // once: an engine may build the array on each call
  return Float64Array.from({ length: n }, (_, i) => v[i]);
}

/** dt/τ per neuron: the Euler factor of dv/dt = (… − v)/τ over one step. */
export function eulerFactor(
  perNeuron: (field: string) => ArrayLike<number>,
  field: string,
  n: number,
  dt: number,
): Float64Array {
  const tau = perNeuron(field);
  return Float64Array.from({ length: n }, (_, i) => dt / tau[i]);
}

/**
 * v_reset must lie below v_threshold for every neuron: a reset at or above threshold makes a
 * neuron that once crossed it (IF) fire every step. Returns the first neuron that breaks it.
 */
export function resetBelowThreshold(
  get: (field: string) => ArrayLike<number>,
  n: number,
): SpecProblem | null {
  const reset = get("v_reset");
  const thr = get("v_threshold");
  for (let i = 0; i < n; i++) {
    if (reset[i] >= thr[i]) {
      const which = n > 1 ? ` (neuron ${i})` : "";
      return {
        field: "v_reset",
        problem: `is ${reset[i]}${which}, not below v_threshold ${thr[i]}, so a neuron would fire every step once above threshold`,
        fix: "use a v_reset below v_threshold (NIR files usually reset to 0)",
      };
    }
  }
  return null;
}
