/**
 * What both engines need to know about a model beyond its tensors: which weighted layers feed
 * which (the edges of the graph: one per input of a layer, through pooling and flatten layers),
 * and the exact fan-out of every source neuron (for the synaptic-operation counter). Fan-outs here are computed by brute force over the
 * connectivity, independently of the fast engine's scatter tables, so tests can compare the two.
 */
import type { Model, ResolvedLayer, Shape } from "./model.js";
import { isSpikingNeuron, spikeHeight } from "./neurons/index.js";
import type { Neuron } from "./model-spec.js";
import { convGeometry, poolGeometry } from "./layer-geometry.js";

/** One input of a weighted layer: a source stage (or the network input) and what lies between. */
export interface StageEdge {
  /** Index into the list of weighted stages of the source, or -1 for the network input. */
  source: number;
  /** Pooling/flatten layers between the source and this layer, in order. */
  between: ResolvedLayer[];
  /** Shape of the source's output (for source -1: model.encodedShape). */
  sourceShape: Shape;
  /** For each source neuron (channels-first), the synapses its event reaches in this layer. */
  fanout: Float64Array;
  /** 1 / (product of the divisors of the pooling layers between: avgpool kh·kw, sumpool 1). */
  poolFactor: number;
  /**
   * The source is this stage or a later one: the edge closes a cycle and carries the source's
   * output of the previous tick (zero after a reset).
   */
  delayed: boolean;
}

export interface WeightedStage {
  /** Index in model.layers. */
  layer: number;
  resolved: ResolvedLayer;
  neuron: Neuron;
  /** Every input, summed into the layer (edges[0] is the one the fields below describe). */
  edges: StageEdge[];
  /** edges[0].source: index into the list of weighted stages, or -1 for the network input. */
  source: number;
  /** Pooling/flatten layers between the source and this layer, in order. */
  between: ResolvedLayer[];
  /** Shape of the source's output (for source -1, what the encoder delivers per tick: model.encodedShape). */
  sourceShape: Shape;
  /** Shape this layer's weights read (after the layers in `between`). */
  inputShape: Shape;
  /** For each source neuron (channels-first), the synapses its event reaches in this layer. */
  fanout: Float64Array;
  /** 1 / (product of pooling areas between source and this layer). */
  poolFactor: number;
  spiking: boolean;
  neurons: number;
  /**
   * Conventional-ANN multiply-accumulates for one frame, pooling adds included; under a sequence
   * encoder, per step × sequence length (an RNN of the same shape over the whole sequence).
   */
  annMacs: number;
}

const product = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/**
 * Structural fan-out of each input position of a weighted layer, by a naive loop: dense every
 * output; conv the outputs of its group whose window covers it; scale one; a neurons layer none
 * (its input is the neurons' own, not a synapse).
 */
function weightFanout(layer: ResolvedLayer): Float64Array {
  const spec = layer.spec;
  const nIn = product(layer.inShape);
  const fan = new Float64Array(nIn);
  if (spec.type === "dense" || spec.type === "recurrent_dense") {
    fan.fill(layer.outShape[0]);
  } else if (spec.type === "scale") {
    fan.fill(1);
  } else {
    const g = convGeometry(spec, layer.inShape);
    if (g === null) return fan;
    const { c, h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, ocg } = g;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * sh - pt + ky * dh;
          if (y < 0 || y >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * sw - pl + kx * dw;
            if (x < 0 || x >= w) continue;
            for (let ci = 0; ci < c; ci++) fan[(ci * h + y) * w + x] += ocg;
          }
        }
      }
    }
  }
  return fan;
}

/** Pull a fan-out back through a pooling layer: sum over the (padded) cells an input falls in. */
function poolFanoutBack(pool: ResolvedLayer, fanOut: Float64Array): Float64Array {
  const g = poolGeometry(pool.spec, pool.inShape);
  if (g === null) return fanOut;
  const { c, h, w, oh, ow, kh, kw, sh, sw, pt, pl } = g;
  const fanIn = new Float64Array(c * h * w);
  for (let ci = 0; ci < c; ci++) {
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        const f = fanOut[(ci * oh + py) * ow + px];
        for (let ky = 0; ky < kh; ky++) {
          const y = py * sh - pt + ky;
          if (y < 0 || y >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const x = px * sw - pl + kx;
            if (x < 0 || x >= w) continue;
            fanIn[(ci * h + y) * w + x] += f;
          }
        }
      }
    }
  }
  return fanIn;
}

export function annMacsOf(layer: ResolvedLayer): number {
  const spec = layer.spec;
  if (spec.type === "dense") return product(layer.inShape) * layer.outShape[0];
  if (spec.type === "recurrent_dense") {
    const out = layer.outShape[0];
    return product(layer.inShape) * out + out * out;
  }
  if (spec.type === "conv2d" || spec.type === "conv1d") {
    const g = convGeometry(spec, layer.inShape)!;
    return product(layer.outShape) * g.icg * g.kh * g.kw;
  }
  if (spec.type === "scale") return product(layer.outShape);
  if (spec.type === "avgpool2d" || spec.type === "sumpool2d") {
    return product(layer.outShape) * spec.kernel[0] * spec.kernel[1];
  }
  return 0;
}

export function buildTopology(model: Model): WeightedStage[] {
  const stageOf = new Map<number, number>();
  model.weightedLayers.forEach((layer, k) => stageOf.set(layer, k));
  const stages: WeightedStage[] = [];
  for (const layerIndex of model.weightedLayers) {
    const layer = model.layers[layerIndex];
    const spec = layer.spec;
    if (!("neuron" in spec)) continue;
    let annMacs = annMacsOf(layer);
    const edges = layer.inputs.map((input): StageEdge => {
      // Walk back through flatten and pooling layers to a weighted layer or the network input.
      const between: ResolvedLayer[] = [];
      let from = input;
      while (from >= 0 && !stageOf.has(from)) {
        between.unshift(model.layers[from]);
        from = model.layers[from].inputs[0];
      }
      let fanout = weightFanout(layer);
      let poolFactor = 1;
      for (let i = between.length - 1; i >= 0; i--) {
        fanout = poolFanoutBack(between[i], fanout);
        const pg = poolGeometry(between[i].spec, between[i].inShape);
        if (pg !== null) poolFactor /= pg.divisor;
        annMacs += annMacsOf(between[i]);
      }
      return {
        source: from < 0 ? -1 : stageOf.get(from)!,
        between,
        sourceShape: from < 0 ? model.encodedShape : model.layers[from].outShape,
        fanout,
        poolFactor,
        delayed: from >= layerIndex,
      };
    });
    // Under a sequence encoder one frame is a whole sequence: the conventional network (an RNN
    // of the same shape) runs every layer once per step.
    annMacs *= model.sequenceLength ?? 1;
    const first = edges[0];
    stages.push({
      layer: layerIndex,
      resolved: layer,
      neuron: spec.neuron,
      edges,
      source: first.source,
      between: first.between,
      sourceShape: first.sourceShape,
      inputShape: layer.inShape,
      fanout: first.fanout,
      poolFactor: first.poolFactor,
      spiking: isSpikingNeuron(spec.neuron),
      neurons: layer.neurons,
      annMacs,
    });
  }
  return stages;
}

/** Value one spike of this neuron model carries downstream (the registry's, re-exported). */
export { spikeHeight };

/** Coefficients of a synaptic filter, discretised as Nengo does (zero-order hold). */
export interface FilterCoefficients {
  /** lowpass: y[t] = a*y[t-1] + (1-a)*u[t]. alpha: y[t] = 2a*y[t-1] - a^2*y[t-2] + b1*u[t] + b2*u[t-1]. */
  a: number;
  b1: number;
  b2: number;
}

export function filterCoefficients(synapseTau: number, dt: number): FilterCoefficients {
  const a = Math.exp(-dt / synapseTau);
  const h = dt / synapseTau;
  return { a, b1: 1 - a - h * a, b2: a * a - a + h * a };
}
