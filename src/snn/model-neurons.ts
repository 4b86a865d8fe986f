/**
 * A weighted layer's neuron, resolved on load (model.ts calls it): every per-neuron field of
 * its kind (NeuronKind.perNeuron) as values, one per neuron in channels-first order (a
 * TensorRef's float32 values from the weights file, or a uniform number repeated as float64 so
 * it computes exactly as written), each value checked against the field's bound, and then the
 * kind's own relations between fields (kind.check), neuron by neuron.
 */
import type { Neuron } from "./neurons/index.js";
import { neuronKind } from "./neurons/index.js";
import type { TensorRef } from "./spec-parts.js";

/** A problem for the caller to raise as a ModelError (field relative to the layer). */
export interface NeuronProblem {
  field: string;
  problem: string;
  fix: string;
}

/**
 * Resolve the per-neuron values of `neuron` for a layer of `n` neurons. `tensor(ref, field)`
 * reads a TensorRef of n values (the caller checks shape and bounds of the file). Returns the
 * values by field, or throws through `fail`.
 */
export function resolveNeuronValues(
  neuron: Neuron,
  n: number,
  tensor: (ref: TensorRef, field: string) => Float32Array,
  fail: (p: NeuronProblem) => never,
): Record<string, Float32Array | Float64Array> {
  const kind = neuronKind(neuron.model);
  const out: Record<string, Float32Array | Float64Array> = {};
  const fields = neuron as unknown as Record<string, number | TensorRef>;
  for (const [name, bound] of Object.entries(kind.perNeuron)) {
    const value = fields[name];
    const arr = typeof value === "number" ? new Float64Array(n).fill(value) : tensor(value, name);
    const bad =
      bound === "positive"
        ? arr.findIndex((x) => !(x > 0))
        : arr.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      fail({
        field: `neuron.${name}`,
        problem:
          bound === "positive"
            ? `neuron ${bad} has time constant ${arr[bad]} s`
            : `neuron ${bad} has value ${arr[bad]}`,
        fix:
          bound === "positive"
            ? "time constants must be positive, in seconds"
            : "every value must be a finite number",
      });
    }
    out[name] = arr;
  }
  const problem = kind.check(neuron, (field) => {
    const v = out[field];
    if (v === undefined) throw new Error(`neuron kind "${kind.model}": ${field} is not per-neuron`);
    return v;
  });
  if (problem !== null) fail({ ...problem, field: `neuron.${problem.field}` });
  return out;
}
