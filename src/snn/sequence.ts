/**
 * Running a time series through a network (models with an "external" encoder, e.g. imported NIR
 * graphs, but any model: the values are what tick() receives): `runSequence(net, input, steps)`
 * feeds input[t] (model.encodedSize values, channels-first) at tick t and returns the output
 * layer's totals, its values per tick, the model's readout over the sequence and every layer's
 * spike totals. The readout window is the model's, except that an end left out of the file
 * means the end of the sequence (not presentation.timesteps).
 */
import type { FrameCounters } from "./counters.js";
import type { Network } from "./network.js";
import type { Layer } from "./model-spec.js";
import { isSpikingNeuron } from "./neurons/index.js";

const spikes = (spec: Layer): boolean => "neuron" in spec && isSpikingNeuron(spec.neuron);

export interface SequenceOptions {
  /** Where the sequence starts in `input`, in values (default 0). */
  offset?: number;
  /** Clear the state first (default true); false continues from the current state. */
  reset?: boolean;
  /** Keep each tick's output ([steps, outputSize]) in the result (default true). */
  perTick?: boolean;
}

export interface LayerSpikeTotal {
  /** Index in model.layers. */
  layer: number;
  /** The layer's name (format version 2), or null. */
  name: string | null;
  type: string;
  neurons: number;
  spikes: number;
}

export interface SequenceResult {
  steps: number;
  /** Output layer spikes per neuron over the sequence (spiking output), else its summed output. */
  totals: Float64Array;
  /** Per tick, the output layer's spikes (0/1) or values, [steps × outputSize]; empty when not kept. */
  perTick: Float64Array;
  /**
   * The model's readout over the window: spike_count = spikes per output neuron; mean_output =
   * mean output per tick; membrane = mean membrane per tick.
   */
  scores: Float64Array;
  /** Every layer with neurons, in model order. */
  layers: LayerSpikeTotal[];
  /** The network's counters after the sequence (its own object, overwritten by the next run). */
  counters: FrameCounters;
}

/** Run `steps` ticks of `input` (steps × model.encodedSize values from `offset`) through `net`. */
export function runSequence(
  net: Network,
  input: Float32Array | Float64Array,
  steps: number,
  options: SequenceOptions = {},
): SequenceResult {
  const model = net.model;
  const size = model.encodedSize;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`runSequence(): steps is ${steps}; give a whole number of ticks ≥ 1`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + steps * size > input.length) {
    throw new RangeError(
      `runSequence(): ${steps} steps of ${size} values (shape [${model.encodedShape.join(", ")}]) from offset ${offset} need ${offset + steps * size} values, but the input has ${input.length}`,
    );
  }
  const { start, end: fileEnd } = model.spec.readout.window;
  const end = fileEnd ?? steps;
  const type = model.spec.readout.type;
  const spiking = spikes(model.layers[model.layers.length - 1].spec);
  const n = model.outputSize;
  const totals = new Float64Array(n);
  const sums = new Float64Array(n);
  const keep = options.perTick !== false;
  const perTick = new Float64Array(keep ? steps * n : 0);
  const tickInput = new Float32Array(size);
  if (options.reset !== false) net.reset();
  else net.beginFrame();
  let inWindow = 0;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * size;
    for (let i = 0; i < size; i++) tickInput[i] = input[base + i];
    net.tick(tickInput);
    const out = spiking ? net.spikes : net.output;
    for (let i = 0; i < n; i++) totals[i] += out[i];
    if (keep) for (let i = 0; i < n; i++) perTick[t * n + i] = out[i];
    if (t >= start && t < end) {
      inWindow++;
      const src =
        type === "spike_count" ? net.spikes : type === "mean_output" ? net.output : net.membrane;
      for (let i = 0; i < n; i++) sums[i] += src[i];
    }
  }
  const div = type === "spike_count" || inWindow === 0 ? 1 : inWindow;
  const scores = sums.map((x) => x / div);
  const counters = net.counters();
  const layers = counters.layers.map((l) => {
    const spec = model.layers[l.layer].spec;
    return {
      layer: l.layer,
      name: spec.name ?? null,
      type: spec.type,
      neurons: l.neurons,
      spikes: spikes(spec) ? l.spikes : 0,
    };
  });
  return { steps, totals, perTick, scores, layers, counters };
}
