/**
 * `spikenode eval --dataset nmnist`: a model with an `events` input encoder on N-MNIST
 * recordings, with our engine, in-thread. Binning as the NIR paper did: each recording's events,
 * by their own timestamps, into frames of the model's dt (1 ms for its models) counted from the
 * recording's first event, one frame per tick, counts not clipped; the model's events encoder
 * chooses dt, the sensor ROI (default: centred), downsample, refractory filter and gain
 * (src/encode/event-bins.ts, the node's own binner), on the 34×34 sensor.
 *
 * Each recording is one presentation: the network is reset, then ticked presentation.timesteps
 * times, frame k at tick k. A recording with fewer frames is followed by empty ticks (as a padded
 * batch is); frames past presentation.timesteps are not presented (`events.pastPresentation`
 * counts their events, `events.cutSamples` the recordings), N-MNIST's ~300 ms fit T = 300 of
 * 1 ms. The decision is the argmax of the model's readout over its window (the first on a tie).
 */
import { centeredRoi, eventBinnerForModel } from "../encode/event-bins.js";
import type { HardwareProfile } from "../power/index.js";
import { createNetwork } from "../snn/create-network.js";
import { loadModel } from "../snn/model-file.js";
import { isSpikingNeuron, type Model } from "../snn/model.js";
import { NMNIST_CLASSES, NMNIST_SENSOR, openNmnist } from "./datasets/nmnist.js";
import { datasetError } from "./datasets/types.js";
import { evalEnergy, evalProfiles, type EvalEnergy } from "./eval-energy.js";

export interface NmnistEvalOptions {
  modelDir: string;
  /** N-MNIST folder (Train/, Test/), split folder, digit folder, or one .bin (with label). */
  data: string;
  split: "train" | "test";
  /** Label of a single .bin file. */
  label?: number;
  /** Only the first N recordings (interleaved by digit: every class evenly). */
  limit?: number;
  profiles?: HardwareProfile[];
  onProgress?: (done: number, total: number) => void;
}

export interface NmnistClassFigures {
  class: string;
  /** Recordings of this class. */
  labelled: number;
  correct: number;
  /** correct / labelled; null when the class had none. */
  accuracy: number | null;
  /** Recordings decided as this class. */
  predicted: number;
}

export interface NmnistEvalReport {
  model: string;
  dataset: "nmnist";
  split: "train" | "test";
  data: string;
  samples: number;
  seconds: number;
  accuracy: number;
  chance: number;
  perClass: NmnistClassFigures[];
  /** confusion[true][predicted], counts of recordings. */
  confusion: number[][];
  presentation: {
    dt: number;
    timesteps: number;
    window: [number, number];
    readout: string;
  };
  binning: {
    frameSeconds: number;
    origin: "first event of each recording";
    sensor: [number, number];
    roi: { x: number; y: number; width: number; height: number };
    downsample: number;
    refractorySeconds: number;
    gain: number;
    input: [number, number, number];
  };
  events: {
    /** Per recording, means: events read, counted into a presented frame, dropped. */
    perSample: number;
    presentedPerSample: number;
    outsideRoiPerSample: number;
    refractoryPerSample: number;
    latePerSample: number;
    pastPresentationPerSample: number;
    /** Frames per recording (first event to last), mean and max. */
    framesPerSample: number;
    maxFrames: number;
    /** Recordings with frames past presentation.timesteps. */
    cutSamples: number;
    /** Overflow markers met (N-MNIST has none). */
    overflows: number;
  };
  spiking: {
    synopsPerImage: number;
    /** Of synopsPerImage, the operations driven by input events (accumulates). */
    inputOpsPerImage: number;
    spikesPerImage: number;
    neuronUpdatesPerImage: number;
    annMacsPerImage: number;
    meanRateHz: number;
    spikesPerNeuronPerStep: number;
    layers: {
      layer: number;
      neurons: number;
      rateHz: number;
      spikesPerNeuronPerStep: number;
      spikesPerImage: number;
      synopsPerImage: number;
    }[];
  };
  /** Energy per recording under each profile (src/train/eval-energy.ts). */
  energy: EvalEnergy;
}

function checkModel(model: Model): void {
  const spec = model.spec;
  if (spec.input.encoder.type !== "events")
    throw datasetError(
      `${model.source}: input.encoder is "${spec.input.encoder.type}"; N-MNIST is event-camera data, so evaluate a model whose input.encoder is "events" (models/FORMAT.md)`,
    );
  if (model.labels.length !== NMNIST_CLASSES.length)
    throw datasetError(
      `${model.source}: ${model.labels.length} labels; N-MNIST has ${NMNIST_CLASSES.length} (digits 0-9), so give the model 10 outputs`,
    );
  if (model.sequenceLength !== null)
    throw datasetError(`${model.source}: a sequence encoder model cannot read event frames`);
}

export async function evaluateNmnist(opts: NmnistEvalOptions): Promise<NmnistEvalReport> {
  const t0 = performance.now();
  const model = await loadModel(opts.modelDir);
  checkModel(model);
  const set = openNmnist(opts.data, opts.split, opts.label);
  const count = Math.min(opts.limit ?? set.samples.length, set.samples.length);
  const spec = model.spec;
  const T = spec.presentation.timesteps;
  const winEnd = Math.min(spec.readout.window.end ?? T, T);
  const window: [number, number] = [Math.min(spec.readout.window.start, winEnd), winEnd];

  const net = createNetwork(model);
  const encoder = spec.input.encoder as Extract<typeof spec.input.encoder, { type: "events" }>;
  const gain = encoder.gain;
  // Per recording (reset before each): ticks presented, events past T, frames binned.
  let presented: number;
  let past: number;
  let frames: number;
  const bin = (onTick: (counts: Float32Array, tick: number) => void) => {
    try {
      return eventBinnerForModel(spec, NMNIST_SENSOR, onTick);
    } catch (err) {
      throw datasetError(`${model.source}: ${(err as Error).message} (N-MNIST's sensor is 34×34)`);
    }
  };
  const binner = bin((counts, tick) => {
    frames = tick + 1;
    if (tick < T) {
      net.tick(counts);
      presented++;
    } else {
      let s = 0;
      for (let i = 0; i < counts.length; i++) s += counts[i];
      past += s / gain;
    }
  });
  const empty = new Float32Array(binner.size);
  const scores = new Float64Array(model.outputSize);
  const n = NMNIST_CLASSES.length;
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const layerSpikes = new Float64Array(net.counters().layers.length);
  const layerSynops = new Float64Array(layerSpikes.length);
  const ev = { total: 0, outside: 0, refractory: 0, late: 0, past: 0, frames: 0, overflows: 0 };
  let maxFrames = 0;
  let cut = 0;
  let synops = 0;
  let inputOps = 0;
  let updates = 0;
  let macs = 0;

  for (let i = 0; i < count; i++) {
    const { events, label } = set.read(i);
    net.reset();
    binner.reset();
    presented = 0;
    past = 0;
    frames = 0;
    binner.push(events.batch);
    binner.flush();
    while (presented < T) {
      net.tick(empty);
      presented++;
    }
    net.scores(scores);
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
    confusion[label][best]++;
    const s = binner.stats;
    ev.total += s.events;
    ev.outside += s.outsideRoi;
    ev.refractory += s.refractory;
    ev.late += s.late;
    ev.past += past;
    ev.frames += frames;
    ev.overflows += events.overflows;
    maxFrames = Math.max(maxFrames, frames);
    if (frames > T) cut++;
    const counters = net.counters();
    synops += counters.total.synapticOps;
    inputOps += counters.inputOps ?? 0;
    updates += counters.total.neuronUpdates;
    macs += counters.total.annMacs;
    counters.layers.forEach((l, k) => {
      layerSpikes[k] += l.spikes;
      layerSynops[k] += l.synapticOps;
    });
    opts.onProgress?.(i + 1, count);
  }

  const per = (x: number) => (count > 0 ? x / count : 0);
  const right = confusion.reduce((a, row, c) => a + row[c], 0);
  const perClass = confusion.map((row, c) => {
    const labelled = row.reduce((a, b) => a + b, 0);
    return {
      class: model.labels[c] ?? NMNIST_CLASSES[c],
      labelled,
      correct: row[c],
      accuracy: labelled > 0 ? row[c] / labelled : null,
      predicted: confusion.reduce((a, r) => a + r[c], 0),
    };
  });
  const seconds = T * spec.dt;
  const stageLayers = net.counters().layers;
  const layers = stageLayers.map((l, k) => ({
    layer: l.layer,
    neurons: l.neurons,
    rateHz: l.neurons > 0 ? per(layerSpikes[k]) / l.neurons / seconds : 0,
    spikesPerNeuronPerStep: l.neurons > 0 ? per(layerSpikes[k]) / l.neurons / T : 0,
    spikesPerImage: per(layerSpikes[k]),
    synopsPerImage: per(layerSynops[k]),
  }));
  const spikingLayers = layers.filter((l) => {
    const ls = model.layers[l.layer].spec;
    return "neuron" in ls && isSpikingNeuron(ls.neuron);
  });
  const neurons = spikingLayers.reduce((a, l) => a + l.neurons, 0);
  const spikes = spikingLayers.reduce((a, l) => a + l.spikesPerImage, 0);
  const [, h, w] = spec.input.shape;
  const roi =
    encoder.roi ?? centeredRoi(NMNIST_SENSOR.width, NMNIST_SENSOR.height, h, w, encoder.downsample);
  const energy = evalEnergy(
    model,
    { timesteps: T, inputOpsPerImage: per(inputOps), layers },
    opts.profiles ?? evalProfiles(),
  );
  return {
    model: spec.name,
    dataset: "nmnist",
    split: opts.split,
    data: opts.data,
    samples: count,
    seconds: (performance.now() - t0) / 1000,
    accuracy: per(right),
    chance: 1 / n,
    perClass,
    confusion,
    presentation: { dt: spec.dt, timesteps: T, window, readout: spec.readout.type },
    binning: {
      frameSeconds: spec.dt,
      origin: "first event of each recording",
      sensor: [NMNIST_SENSOR.width, NMNIST_SENSOR.height],
      roi: { ...roi },
      downsample: encoder.downsample,
      refractorySeconds: encoder.refractory,
      gain,
      input: [...model.inputShape] as [number, number, number],
    },
    events: {
      perSample: per(ev.total),
      presentedPerSample: per(ev.total - ev.outside - ev.refractory - ev.late - ev.past),
      outsideRoiPerSample: per(ev.outside),
      refractoryPerSample: per(ev.refractory),
      latePerSample: per(ev.late),
      pastPresentationPerSample: per(ev.past),
      framesPerSample: per(ev.frames),
      maxFrames,
      cutSamples: cut,
      overflows: ev.overflows,
    },
    spiking: {
      synopsPerImage: per(synops),
      inputOpsPerImage: per(inputOps),
      spikesPerImage: spikes,
      neuronUpdatesPerImage: per(updates),
      annMacsPerImage: per(macs),
      meanRateHz: neurons > 0 ? spikes / neurons / seconds : 0,
      spikesPerNeuronPerStep: neurons > 0 ? spikes / neurons / T : 0,
      layers,
    },
    energy,
  };
}
