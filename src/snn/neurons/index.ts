/**
 * The registry of neuron kinds: one module per kind beside this file. Everything that differs by
 * kind is derived from here: the model file's `neuron` schema union (model-spec.ts), whether a
 * layer spikes and how high (topology, decoder), which per-neuron tensors a layer reads
 * (model.ts), the state the engines allocate and the step they run (reference.ts, fast.ts), and
 * the state-variable count an energy model charges per update.
 *
 * Adding a kind: write `neurons/<kind>.ts` (schema, constants, step; see kind.ts) and list it in
 * KINDS below. The fast engine runs every kind through its generic path; LIF also has fused,
 * parking and WebAssembly paths (fast.ts).
 *
 * API: neuronKind(model) → NeuronKind, e.g. neuronKind("alif").stateVariables = ["v", "eta"];
 * NEURON_KINDS (all, in registry order); Neuron (zod union) and its type.
 */
import { z } from "zod";
import { alif } from "./alif.js";
import { integrateAndFire } from "./integrate-and-fire.js";
import type { NeuronKind } from "./kind.js";
import { leakyIntegrator } from "./leaky-integrator.js";
import { lif } from "./lif.js";
import { linear } from "./linear.js";
import { nirCubaLi } from "./nir-cuba-li.js";
import { nirCubaLif } from "./nir-cuba-lif.js";
import { nirI } from "./nir-i.js";
import { nirLi } from "./nir-li.js";
import { nirLif } from "./nir-lif.js";
import { threshold } from "./threshold.js";

const KINDS = [
  lif,
  alif,
  leakyIntegrator,
  linear,
  integrateAndFire,
  nirLif,
  nirCubaLif,
  nirLi,
  nirCubaLi,
  nirI,
  threshold,
] as const;

type SchemasOf<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: T[K] extends { schema: infer S } ? S : never;
};

/** A layer's `neuron` in model.json: the union of every registered kind's schema. */
export const Neuron = z.discriminatedUnion(
  "model",
  KINDS.map((k) => k.schema) as unknown as SchemasOf<typeof KINDS>,
);
export type Neuron = z.infer<typeof Neuron>;
export type NeuronModel = Neuron["model"];

export const NEURON_KINDS: readonly NeuronKind[] = KINDS;

const byModel = new Map<string, NeuronKind>(KINDS.map((k) => [k.model, k]));

/** The kind of a neuron model name ("lif", "alif", ...); throws for an unregistered one. */
export function neuronKind(model: string): NeuronKind {
  const kind = byModel.get(model);
  if (kind === undefined) {
    throw new RangeError(
      `unknown neuron model "${model}"; registered: ${[...byModel.keys()].join(", ")}`,
    );
  }
  return kind;
}

/** Value one spike of this neuron carries downstream (Nengo LIF: amplitude/dt; 1 if it does not spike). */
export function spikeHeight(neuron: Neuron, dt: number): number {
  return neuronKind(neuron.model).spikeHeight(neuron, dt);
}

export const isSpikingNeuron = (neuron: Neuron): boolean => neuronKind(neuron.model).spiking;

export type { NeuronKind, NeuronState, PrepareContext, SpecProblem } from "./kind.js";
export { allocateState, initialMembrane } from "./kind.js";
export { LifNeuron, lifTick, lifConstants } from "./lif.js";
export type { LifConstants, LifSpec } from "./lif.js";
export { AlifNeuron } from "./alif.js";
export { LeakyIntegratorNeuron } from "./leaky-integrator.js";
export { LinearNeuron } from "./linear.js";
export { IfNeuron } from "./integrate-and-fire.js";
export { NirLifNeuron } from "./nir-lif.js";
export { NirCubaLifNeuron } from "./nir-cuba-lif.js";
export { NirLiNeuron } from "./nir-li.js";
export { NirCubaLiNeuron } from "./nir-cuba-li.js";
export { NirINeuron } from "./nir-i.js";
export { ThresholdNeuron } from "./threshold.js";
export type { PerNeuronBound } from "./kind.js";
