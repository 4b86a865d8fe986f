/**
 * How far `export-nir --approximate` moves a model's outputs: the model and the file it wrote,
 * read back by our importer at the model's dt, run side by side in our engine on the same
 * images (constant current, the model's presentation and readout window: NIR stores neither).
 * Reports accuracy (with labels), how often both pick the same class, and spikes per image of
 * every spiking layer (matched by name: the approximation's LIF node carries the layer's name).
 */
import {
  createNetwork,
  isSpikingNeuron,
  parseModel,
  type Neuron,
  type FrameCounters,
  type Model,
  type ModelSpecInput,
} from "../snn/index.js";

export interface CheckImages {
  /** What they are, for the report (e.g. "fashion-mnist test, first 200"). */
  source: string;
  /** count images of the model's input size, channels-first, in [0, 1]. */
  images: Float32Array;
  count: number;
  labels?: Uint8Array;
}

export interface LayerSpikes {
  layer: string;
  /** Spikes per image, ours and the approximation's. */
  ours: number;
  approximation: number;
  /** approximation / ours − 1. */
  change: number;
}

export interface ApproximationReport {
  images: string;
  count: number;
  dt: number;
  timesteps: number;
  accuracy?: { ours: number; approximation: number };
  /** Fraction of images for which both pick the same class. */
  sameClass: number;
  /** Mean over images of max |score difference| / max |our score|. */
  scoreChange: number;
  layers: LayerSpikes[];
  totalSpikes: { ours: number; approximation: number; change: number };
}

/** Our model's stand-in: the re-imported file, with the model's encoder, presentation, readout. */
export function asRunAlongside(
  original: Model,
  imported: { spec: ModelSpecInput; weights: Uint8Array },
): Model {
  const spec: ModelSpecInput = {
    ...imported.spec,
    input: { ...imported.spec.input, encoder: original.spec.input.encoder },
    presentation: original.spec.presentation,
    readout: original.spec.readout,
    labels: [...original.labels],
  };
  return parseModel(spec, imported.weights, `${original.source} (approximated, re-imported)`);
}

const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
};

/** Spikes per spiking layer name in one frame's counters. */
function spikesByName(model: Model, counters: FrameCounters, into: Map<string, number>): void {
  for (const c of counters.layers) {
    const l = model.layers[c.layer];
    const neuron = (l.spec as { neuron?: Neuron }).neuron;
    if (neuron === undefined || !isSpikingNeuron(neuron)) continue;
    const name = l.spec.name ?? `layer${l.index}`;
    into.set(name, (into.get(name) ?? 0) + c.spikes);
  }
}

export function compareApproximation(
  original: Model,
  approximation: Model,
  input: CheckImages,
  onImage?: (done: number) => void,
): ApproximationReport {
  const a = createNetwork(original);
  const b = createNetwork(approximation);
  const size = original.inputSize;
  const spikesA = new Map<string, number>();
  const spikesB = new Map<string, number>();
  let correctA = 0;
  let correctB = 0;
  let same = 0;
  let scoreChange = 0;
  for (let k = 0; k < input.count; k++) {
    const pixels = input.images.subarray(k * size, (k + 1) * size);
    const ra = a.run(pixels);
    const sa = Float64Array.from(ra.scores);
    spikesByName(original, ra.counters, spikesA);
    const rb = b.run(pixels);
    spikesByName(approximation, rb.counters, spikesB);
    const ca = argmax(sa);
    const cb = argmax(rb.scores);
    if (ca === cb) same += 1;
    if (input.labels) {
      if (ca === input.labels[k]) correctA += 1;
      if (cb === input.labels[k]) correctB += 1;
    }
    let maxA = 0;
    let maxD = 0;
    for (let i = 0; i < sa.length; i++) {
      maxA = Math.max(maxA, Math.abs(sa[i]));
      maxD = Math.max(maxD, Math.abs(sa[i] - rb.scores[i]));
    }
    scoreChange += maxA > 0 ? maxD / maxA : maxD;
    onImage?.(k + 1);
  }
  const n = Math.max(1, input.count);
  const layers: LayerSpikes[] = [...spikesA].map(([layer, ours]) => {
    const approx = spikesB.get(layer) ?? 0;
    return {
      layer,
      ours: ours / n,
      approximation: approx / n,
      change: ours > 0 ? approx / ours - 1 : approx > 0 ? Infinity : 0,
    };
  });
  const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0) / n;
  const [ta, tb] = [sum(spikesA), sum(spikesB)];
  return {
    images: input.source,
    count: input.count,
    dt: original.spec.dt,
    timesteps: original.spec.presentation.timesteps,
    ...(input.labels ? { accuracy: { ours: correctA / n, approximation: correctB / n } } : {}),
    sameClass: same / n,
    scoreChange: scoreChange / n,
    layers,
    totalSpikes: { ours: ta, approximation: tb, change: ta > 0 ? tb / ta - 1 : 0 },
  };
}

/** The report as lines of text. */
export function formatApproximationReport(r: ApproximationReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} %`;
  const lines = [
    `approximation check on ${r.count} images (${r.images}), both in our engine at dt ${r.dt} s, ${r.timesteps} ticks:`,
  ];
  if (r.accuracy)
    lines.push(
      `  accuracy: ours ${pct(r.accuracy.ours)}, approximation ${pct(r.accuracy.approximation)} (${signed(r.accuracy.approximation - r.accuracy.ours).replace(" %", " points")})`,
    );
  lines.push(
    `  same class: ${pct(r.sameClass)}; largest score difference ${pct(r.scoreChange)} of the largest score (mean over images)`,
  );
  lines.push(
    `  spikes per image: ours ${r.totalSpikes.ours.toFixed(1)}, approximation ${r.totalSpikes.approximation.toFixed(1)} (${signed(r.totalSpikes.change)})`,
  );
  for (const l of r.layers)
    lines.push(
      `    ${l.layer}: ${l.ours.toFixed(1)} → ${l.approximation.toFixed(1)} (${signed(l.change)})`,
    );
  return lines.join("\n");
}
