/**
 * What an energy model needs to know about each weighted layer beyond the engine's counters:
 * how much state its neurons carry, how big the arrays its operations read are, and how many
 * synapses it has. Taken from the resolved model in this one place, aligned with
 * FrameCounters.layers (the same weighted stages, in the same order).
 */
import type { Model } from "../snn/model.js";
import type { Neuron, Synapse } from "../snn/model-spec.js";
import { neuronKind } from "../snn/neurons/index.js";
import { annMacsOf, buildTopology } from "../snn/topology.js";
import { isPool } from "../snn/layer-geometry.js";

export interface EnergyLayer {
  /** Index in model.layers (as LayerCounters.layer). */
  layer: number;
  /** The neuron kind ("lif", "alif", ...). */
  kind: string;
  neurons: number;
  /**
   * State words each neuron reads and writes per tick: its neuron kind's state variables plus
   * its synaptic filter's (see stateCounts).
   */
  stateVariables: number;
  /**
   * Multiply-accumulates of each neuron's state update per tick: the decays (leaks) of its
   * neuron kind's and its filter's state (see stateCounts).
   */
  stateUpdates: number;
  /** Values in the layer's weight arrays (weights and recurrent weights). */
  weights: number;
  /** Values the layer's weights read each step (its input after pooling and flattening). */
  inputs: number;
  /** Synapses: the layer's weighted multiply-accumulates per step as an ANN (pooling apart). */
  connections: number;
  /** Of connections, those from the layer's source (all but a recurrent layer's own). */
  sourceConnections: number;
  /** Adds per step of the average-pooling layers folded into this stage (the ANN's). */
  poolAdds: number;
  /** Values those pooling layers read (the source's output), 0 without pooling. */
  poolInputs: number;
}

/** A kind's state per neuron: words read and written per tick, and decaying ones (MACs). */
export interface StateCounts {
  stateVariables: number;
  stateUpdates: number;
}

/**
 * THE place a neuron kind's state-update count is taken: each kind declares what an update
 * costs in its own module (src/snn/neurons/<kind>.ts, `updateCost`). LIF charges its membrane v
 * (the refractory countdown is bookkeeping), ALIF u and η, the leaky integrator v, linear
 * nothing; NIR's IF keeps v but does not leak (Lemaire et al. charge no leak for IF).
 */
export function neuronStateCounts(neuron: Neuron): StateCounts {
  const { stateWords, leaks } = neuronKind(neuron.model).updateCost;
  return { stateVariables: stateWords, stateUpdates: leaks };
}

/**
 * A synaptic filter's state per neuron: lowpass keeps one filtered current (one decay), alpha
 * two (two decays), none nothing (the tick's events are the current).
 */
export function synapseStateCounts(synapse: Synapse): StateCounts {
  switch (synapse.type) {
    case "none":
      return { stateVariables: 0, stateUpdates: 0 };
    case "lowpass":
      return { stateVariables: 1, stateUpdates: 1 };
    case "alpha":
      return { stateVariables: 2, stateUpdates: 2 };
    default:
      return exhaustive(synapse);
  }
}

function exhaustive(value: never): never {
  throw new Error(`no state counts for ${JSON.stringify(value)}`);
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The energy facts of every weighted layer of a model, in FrameCounters.layers order. */
export function energyLayers(model: Model): EnergyLayer[] {
  return buildTopology(model).map((stage) => {
    const spec = stage.resolved.spec;
    const own = neuronStateCounts(stage.neuron);
    const filter =
      "synapse" in spec ? synapseStateCounts(spec.synapse) : synapseStateCounts({ type: "none" });
    const connections = annMacsOf(stage.resolved);
    const recurrent = spec.type === "recurrent_dense" ? stage.neurons * stage.neurons : 0;
    let poolAdds = 0;
    for (const between of stage.between) {
      if (isPool(between.spec)) poolAdds += annMacsOf(between);
    }
    return {
      layer: stage.layer,
      kind: stage.neuron.model,
      neurons: stage.neurons,
      stateVariables: own.stateVariables + filter.stateVariables,
      stateUpdates: own.stateUpdates + filter.stateUpdates,
      weights:
        (stage.resolved.weights?.length ?? 0) + (stage.resolved.recurrentWeights?.length ?? 0),
      inputs: product(stage.inputShape),
      connections,
      sourceConnections: connections - recurrent,
      poolAdds,
      poolInputs: poolAdds > 0 ? product(stage.sourceShape) : 0,
    };
  });
}
