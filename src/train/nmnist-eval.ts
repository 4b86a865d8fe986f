/**
 * `spikenode eval --dataset nmnist`: a model with an `events` input encoder on N-MNIST
 * recordings, with our engine. Binning as the NIR paper did: each recording's events,
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
import { availableParallelism } from "node:os";
import { centeredRoi, eventBinnerForModel } from "../encode/event-bins.js";
import type { HardwareProfile } from "../power/index.js";
import { createNetwork } from "../snn/create-network.js";
import { loadModel } from "../snn/model-file.js";
import { isSpikingNeuron, type Model } from "../snn/model.js";
import type { EventsEncoder } from "../snn/model-spec.js";
import {
  NMNIST_CLASSES,
  NMNIST_SENSOR,
  openNmnist,
  readNmnistFile,
  type NmnistSample,
} from "./datasets/nmnist.js";
import { spawnWorker } from "./spawn-worker.js";
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
  /** Worker threads (default: every core); 1 runs in this thread. */
  threads?: number;
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
  /** Worker threads used (1: in this thread). */
  threads: number;
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

/** What a set of recordings gave: sums, so that shards (worker threads) add up. */
export interface NmnistTally {
  count: number;
  /** confusion[true][predicted]. */
  confusion: number[][];
  /** The engine's weighted stages: layer index and neurons. */
  stages: { layer: number; neurons: number }[];
  layerSpikes: number[];
  layerSynops: number[];
  events: {
    total: number;
    outside: number;
    refractory: number;
    late: number;
    past: number;
    frames: number;
    overflows: number;
  };
  maxFrames: number;
  cut: number;
  synops: number;
  inputOps: number;
  updates: number;
  macs: number;
}

/** The model's binner on the 34×34 sensor; a model whose input does not fit it is refused. */
function nmnistBinner(model: Model, onTick: (counts: Float32Array, tick: number) => void) {
  try {
    return eventBinnerForModel(model.spec, NMNIST_SENSOR, onTick);
  } catch (err) {
    throw datasetError(`${model.source}: ${(err as Error).message} (N-MNIST's sensor is 34×34)`);
  }
}

/** Runs each recording as one presentation (see the file comment) and sums what happened. */
export function tallyRecordings(
  model: Model,
  samples: readonly NmnistSample[],
  onEach?: () => void,
): NmnistTally {
  const spec = model.spec;
  const T = spec.presentation.timesteps;
  const net = createNetwork(model);
  const gain = (spec.input.encoder as EventsEncoder).gain;
  // Per recording (reset before each): ticks presented, events past T, frames binned.
  let presented: number;
  let past: number;
  let frames: number;
  const binner = nmnistBinner(model, (counts, tick) => {
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
  const stages = net.counters().layers.map((l) => ({ layer: l.layer, neurons: l.neurons }));
  const t: NmnistTally = {
    count: samples.length,
    confusion: Array.from({ length: n }, () => new Array<number>(n).fill(0)),
    stages,
    layerSpikes: new Array<number>(stages.length).fill(0),
    layerSynops: new Array<number>(stages.length).fill(0),
    events: { total: 0, outside: 0, refractory: 0, late: 0, past: 0, frames: 0, overflows: 0 },
    maxFrames: 0,
    cut: 0,
    synops: 0,
    inputOps: 0,
    updates: 0,
    macs: 0,
  };
  const ev = t.events;
  for (const sample of samples) {
    const events = readNmnistFile(sample.file);
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
    t.confusion[sample.label][best]++;
    const s = binner.stats;
    ev.total += s.events;
    ev.outside += s.outsideRoi;
    ev.refractory += s.refractory;
    ev.late += s.late;
    ev.past += past;
    ev.frames += frames;
    ev.overflows += events.overflows;
    t.maxFrames = Math.max(t.maxFrames, frames);
    if (frames > T) t.cut++;
    const counters = net.counters();
    t.synops += counters.total.synapticOps;
    t.inputOps += counters.inputOps ?? 0;
    t.updates += counters.total.neuronUpdates;
    t.macs += counters.total.annMacs;
    counters.layers.forEach((l, k) => {
      t.layerSpikes[k] += l.spikes;
      t.layerSynops[k] += l.synapticOps;
    });
    onEach?.();
  }
  return t;
}

/** a + b (same model). */
export function mergeTallies(a: NmnistTally, b: NmnistTally): NmnistTally {
  const add = (x: number[], y: number[]) => x.map((v, i) => v + y[i]);
  const e = Object.fromEntries(
    Object.entries(a.events).map(([k, v]) => [k, v + b.events[k as keyof NmnistTally["events"]]]),
  ) as NmnistTally["events"];
  return {
    count: a.count + b.count,
    confusion: a.confusion.map((row, i) => add(row, b.confusion[i])),
    stages: a.stages,
    layerSpikes: add(a.layerSpikes, b.layerSpikes),
    layerSynops: add(a.layerSynops, b.layerSynops),
    events: e,
    maxFrames: Math.max(a.maxFrames, b.maxFrames),
    cut: a.cut + b.cut,
    synops: a.synops + b.synops,
    inputOps: a.inputOps + b.inputOps,
    updates: a.updates + b.updates,
    macs: a.macs + b.macs,
  };
}

/** Recordings over `threads` worker threads (every threads-th one each), or in this thread. */
async function tallyInThreads(
  model: Model,
  modelDir: string,
  samples: NmnistSample[],
  threads: number,
  onProgress?: (done: number, total: number) => void,
): Promise<NmnistTally> {
  let done = 0;
  const tick = () => onProgress?.(++done, samples.length);
  const shards = Math.min(threads, samples.length);
  if (shards <= 1) return tallyRecordings(model, samples, tick);
  const parts = await Promise.all(
    Array.from({ length: shards }, (_, w) => {
      const shard = samples.filter((_, i) => i % shards === w);
      const worker = spawnWorker("nmnist-worker", { modelDir, samples: shard });
      return new Promise<NmnistTally>((resolve, reject) => {
        worker.on("message", (m: NmnistWorkerMessage) => {
          if (m.type === "progress") tick();
          else if (m.type === "done") resolve(m.tally);
          else
            reject(
              m.userFacing ? datasetError(m.message) : new Error(`nmnist-worker: ${m.message}`),
            );
        });
        worker.on("error", reject);
      }).finally(() => void worker.terminate());
    }),
  );
  return parts.reduce(mergeTallies);
}

export type NmnistWorkerMessage =
  | { type: "progress" }
  | { type: "done"; tally: NmnistTally }
  | { type: "error"; message: string; userFacing: boolean };

export async function evaluateNmnist(opts: NmnistEvalOptions): Promise<NmnistEvalReport> {
  const t0 = performance.now();
  const model = await loadModel(opts.modelDir);
  checkModel(model);
  nmnistBinner(model, () => undefined);
  const set = openNmnist(opts.data, opts.split, opts.label);
  const count = Math.min(opts.limit ?? set.samples.length, set.samples.length);
  const spec = model.spec;
  const T = spec.presentation.timesteps;
  const winEnd = Math.min(spec.readout.window.end ?? T, T);
  const window: [number, number] = [Math.min(spec.readout.window.start, winEnd), winEnd];
  const encoder = spec.input.encoder as EventsEncoder;
  const threads = opts.threads ?? availableParallelism();
  const tally = await tallyInThreads(
    model,
    opts.modelDir,
    set.samples.slice(0, count),
    threads,
    opts.onProgress,
  );
  const { confusion, layerSpikes, layerSynops, events: ev, maxFrames, cut } = tally;
  const { synops, inputOps, updates, macs } = tally;

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
  const layers = tally.stages.map((l, k) => ({
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
    threads: Math.min(threads, Math.max(1, count)),
    seconds: (performance.now() - t0) / 1000,
    accuracy: per(right),
    chance: 1 / NMNIST_CLASSES.length,
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
      gain: encoder.gain,
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
