/**
 * Energy per image of an evaluation, under each chosen profile, from the evaluation's own
 * per-image counts (means over the images: every energy model is linear in the counts, so the
 * energy of the mean is the mean energy) and the model's layer facts. The counts are written
 * into the report beside the energies, so anyone can recompute them (src/power/README.md).
 */
import { createEncoder } from "../encode/index.js";
import {
  ProfileRegistry,
  energyLayers,
  estimateEnergy,
  type EnergyModelName,
  type EnergyTerm,
  type HardwareProfile,
} from "../power/index.js";
import type { FrameCounters } from "../snn/counters.js";
import type { Model } from "../snn/model.js";

/** One weighted layer's counts per image and the facts the energy models read. */
export interface EvalEnergyLayer {
  layer: number;
  kind: string;
  neurons: number;
  spikesPerImage: number;
  synopsPerImage: number;
  neuronUpdatesPerImage: number;
  annMacsPerImage: number;
  /** State words per neuron read and written per tick, and decaying ones (MACs per tick). */
  stateVariables: number;
  stateUpdates: number;
  /** Values in the layer's weight arrays and in the input its weights read per step. */
  weights: number;
  inputs: number;
  /** Synapses (weighted MACs per step) and the ANN's pooling adds per step. */
  connections: number;
  poolAdds: number;
}

export interface EvalProfileEnergy {
  profile: string;
  model: EnergyModelName;
  unit: "J" | "flop";
  energyPerImage: number;
  annLabel: string;
  annEnergyPerImage: number;
  /** annEnergyPerImage / energyPerImage (> 1: spiking is cheaper). */
  ratio: number;
  /** The ratio in words, against the named ANN. */
  comparison: string;
  baselines: { name: string; energyPerImage: number; ratio: number; comparison: string }[];
  breakdown: { spiking: EnergyTerm[]; ann: EnergyTerm[] };
}

export interface EvalEnergy {
  /** The input is analog (constant, rows, pixel_windows): input-driven ops are MACs. */
  analogInput: boolean;
  timesteps: number;
  /** Steps of the conventional network per image (a sequence encoder's length, else 1). */
  sequenceSteps: number;
  /** Input-driven synaptic operations per image (MACs under an analog input). */
  inputOpsPerImage: number;
  /** Spike-driven synaptic operations per synapse that carries spikes, per image. */
  spikesPerSynapse: number;
  layers: EvalEnergyLayer[];
  profiles: EvalProfileEnergy[];
}

/** What evalEnergy reads of an evaluation (EvalReport.spiking fits). */
export interface EvalCounts {
  timesteps: number;
  inputOpsPerImage: number;
  layers: readonly {
    layer: number;
    neurons: number;
    spikesPerImage: number;
    synopsPerImage: number;
  }[];
}

/** The built-in profiles, every one by default (cheap: a few terms each). */
export function evalProfiles(
  names?: readonly string[],
  extra: readonly HardwareProfile[] = [],
): HardwareProfile[] {
  const registry = new ProfileRegistry(extra);
  return (names ?? registry.names()).map((n) => registry.get(n));
}

export function evalEnergy(
  model: Model,
  counts: EvalCounts,
  profiles: readonly HardwareProfile[],
): EvalEnergy {
  const facts = energyLayers(model);
  const steps = model.sequenceLength ?? 1;
  const sameLayers =
    facts.length === counts.layers.length &&
    facts.every(
      (f, k) => f.layer === counts.layers[k].layer && f.neurons === counts.layers[k].neurons,
    );
  if (!sameLayers) {
    throw Object.assign(
      new Error(
        `${model.source}: the evaluation's layers (${counts.layers.map((l) => `${l.layer}:${l.neurons}`).join(", ")}) are not this model's (${facts.map((f) => `${f.layer}:${f.neurons}`).join(", ")}); give the model the report was made with`,
      ),
      { userFacing: true },
    );
  }
  const layers = facts.map((f, k) => ({
    layer: f.layer,
    neurons: f.neurons,
    spikes: counts.layers[k].spikesPerImage,
    synapticOps: counts.layers[k].synopsPerImage,
    // Evaluation runs every tick of every image: no early exit.
    neuronUpdates: f.neurons * counts.timesteps,
    annMacs: (f.connections + f.poolAdds) * steps,
  }));
  const total = { neurons: 0, spikes: 0, synapticOps: 0, neuronUpdates: 0, annMacs: 0 };
  for (const l of layers) {
    total.neurons += l.neurons;
    total.spikes += l.spikes;
    total.synapticOps += l.synapticOps;
    total.neuronUpdates += l.neuronUpdates;
    total.annMacs += l.annMacs;
  }
  const counters: FrameCounters = {
    ticks: counts.timesteps,
    dt: model.spec.dt,
    inputOps: counts.inputOpsPerImage,
    layers,
    total,
  };
  const spec = model.spec;
  // Binned camera events are counts of events, each an accumulate (no frame encoder to ask).
  const analogInput =
    spec.input.encoder.type === "events"
      ? false
      : createEncoder(spec.input.encoder, model.inputShape, spec.dt).analog;
  const options = { analogInput, sequenceLength: model.sequenceLength, layers: facts };
  const estimates = profiles.map((p) => estimateEnergy(counters, p, 0, options));
  return {
    analogInput,
    timesteps: counts.timesteps,
    sequenceSteps: steps,
    inputOpsPerImage: counts.inputOpsPerImage,
    spikesPerSynapse: estimates[0]?.spikesPerSynapse ?? 0,
    layers: facts.map((f, k) => ({
      layer: f.layer,
      kind: f.kind,
      neurons: f.neurons,
      spikesPerImage: layers[k].spikes,
      synopsPerImage: layers[k].synapticOps,
      neuronUpdatesPerImage: layers[k].neuronUpdates,
      annMacsPerImage: layers[k].annMacs,
      stateVariables: f.stateVariables,
      stateUpdates: f.stateUpdates,
      weights: f.weights,
      inputs: f.inputs,
      connections: f.connections,
      poolAdds: f.poolAdds,
    })),
    profiles: estimates.map((e) => ({
      profile: e.profile,
      model: e.model ?? "arithmetic",
      unit: e.unit,
      energyPerImage: e.energyPerFrame,
      annLabel: e.annLabel ?? "ANN",
      annEnergyPerImage: e.annEnergyPerFrame,
      ratio: e.ratio,
      comparison: e.comparison ?? "",
      baselines: (e.baselines ?? []).map((b) => ({
        name: b.name,
        energyPerImage: b.energyPerFrame,
        ratio: b.ratio,
        comparison: b.comparison,
      })),
      breakdown: e.breakdown ?? { spiking: [], ann: [] },
    })),
  };
}
