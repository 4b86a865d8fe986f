/**
 * What one neuron kind is, as the engines, the decoder and the energy model need it: Nengo's
 * "one class per neuron" (declared parameters with bounds, its state, one step) in the shape of
 * Norse's pure step over explicit state. A kind is a plain object built by `defineNeuron`; the
 * registry (index.ts) lists them and derives the schema union from their schemas.
 *
 * The step works on one layer at a time over typed arrays (no allocation, no closure per
 * neuron): `step(constants, state, J, n, spikes, out)` reads the input current J[0..n), advances
 * the state in place, writes the indices of the neurons that spiked (ascending) into `spikes`
 * and returns their count (spiking kinds), or writes the output value of every neuron into
 * `out` and returns 0 (non-spiking kinds).
 */
import type { z } from "zod";

/** Per-neuron state arrays of one layer, by the names in `NeuronKind.buffers`. */
export type NeuronState = Record<string, Float64Array>;

/** What `prepare` gets to compute a layer's constants from. */
export interface PrepareContext {
  /** Neurons in the layer. */
  n: number;
  /** Simulation step, seconds. */
  dt: number;
  /**
   * The per-neuron values of a field named in `NeuronKind.perNeuron`, in the calling engine's
   * neuron order: the TensorRef's values read from the weights file, or the field's number
   * repeated n times when the file gives one uniform value.
   */
  perNeuron(field: string): ArrayLike<number>;
}

/** A value the schema cannot express (a relation between fields): the field, the problem, the fix. */
export interface SpecProblem {
  field: string;
  problem: string;
  fix: string;
}

/** The bound every value of a per-neuron field meets. */
export type PerNeuronBound = "positive" | "finite";

type SpecSchema = z.ZodType<{ model: string }>;

export interface NeuronKind<Schema extends SpecSchema = SpecSchema, Constants = unknown> {
  /** The `neuron.model` value in model files. */
  readonly model: string;
  /** The zod schema of `neuron` (strict; bounds and units on every parameter). */
  readonly schema: Schema;
  /** Emits spikes (an index list) rather than a value per neuron. */
  readonly spiking: boolean;
  /** Value one spike carries downstream (1 for non-spiking kinds). */
  spikeHeight(spec: z.output<Schema>, dt: number): number;
  /**
   * The state variables a neuron update reads and writes (what an energy model charges per
   * update); "v" (the membrane) first where the kind has one.
   */
  readonly stateVariables: readonly string[];
  /**
   * What an energy model charges per neuron update (src/power/layers.ts): the state words read
   * and written each tick, and how many of them decay (one multiply each). Bookkeeping outside a
   * neuron's dynamics (LIF's refractory countdown) is not charged; NIR's IF keeps v without leak.
   */
  readonly updateCost: { readonly stateWords: number; readonly leaks: number };
  /**
   * Every per-neuron float64 array the step uses, zero at reset: the state variables plus any
   * bookkeeping (e.g. ALIF's previous spike). "v" is always present: it is what the `membrane`
   * readout and Network.membrane show.
   */
  readonly buffers: readonly string[];
  /**
   * Fields of the spec that hold one value per neuron: a TensorRef into the weights file (as many
   * values as the layer has neurons) or, where the schema allows it, one number for all. By field
   * name, the bound every value must meet: "positive" (time constants, seconds) or "finite".
   */
  readonly perNeuron: Readonly<Record<string, PerNeuronBound>>;
  /**
   * Relations between fields the schema cannot check; null when the spec is fine. `values` gives
   * every perNeuron field's values (numbers repeated), so relations hold neuron by neuron.
   */
  check(spec: z.output<Schema>, values: (field: string) => ArrayLike<number>): SpecProblem | null;
  /** The layer's constants, computed once per network. */
  prepare(spec: z.output<Schema>, ctx: PrepareContext): Constants;
  /**
   * The membrane's value at reset for the neuron at channels-first index `cf` of model layer
   * `layer`, when the spec asks for one other than 0 (LIF's `initial_voltage`); absent or
   * returning null: every buffer starts at 0.
   */
  initialVoltage?(spec: z.output<Schema>): ((layer: number, cf: number) => number) | null;
  /** One tick of a whole layer (see the module comment). */
  step(
    constants: Constants,
    state: NeuronState,
    J: Float64Array,
    n: number,
    spikes: Int32Array,
    out: Float64Array,
  ): number;
}

/** Identity with the types checked: a kind's schema, constants and step in one object. */
export function defineNeuron<Schema extends SpecSchema, Constants>(
  kind: NeuronKind<Schema, Constants>,
): NeuronKind<Schema, Constants> {
  if (!kind.buffers.includes("v")) {
    throw new Error(`neuron kind "${kind.model}": buffers must include "v" (the membrane)`);
  }
  return kind;
}

/** A fresh, zeroed state for `n` neurons of a kind. */
export function allocateState(kind: NeuronKind, n: number): NeuronState {
  const state: NeuronState = {};
  for (const name of kind.buffers) state[name] = new Float64Array(n);
  return state;
}

/**
 * A layer's membrane values at reset, in the calling engine's neuron order (`toCf[i]`: the
 * channels-first index of its neuron i; identity when absent), or null when they are all 0.
 * Built once per network; reset copies it into state.v.
 */
export function initialMembrane(
  kind: NeuronKind,
  spec: { model: string },
  layer: number,
  n: number,
  toCf?: ArrayLike<number>,
): Float64Array | null {
  const f = kind.initialVoltage?.(spec as never) ?? null;
  if (f === null) return null;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = f(layer, toCf ? toCf[i] : i);
  return v;
}
