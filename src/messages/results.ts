/**
 * One classification result as the messages spikenode publishes (ROS node) and records (bag
 * replay): vision_msgs/Classification, spikenode/SpikeClassification, spikenode/PowerEstimate,
 * and the vision_msgs/LabelInfo class map. Written once so a live topic and a replayed bag carry
 * the same fields. The input types are structural (the pipeline's ClassificationResult fits
 * them) because this layer may not import src/stream.
 */
import type {
  Classification,
  Header,
  LabelInfo,
  PowerEstimate,
  SpikeClassification,
  Time,
} from "./types.js";

/** The energy figures of one frame (src/power's EnergyEstimate fits). */
export interface ResultEnergy {
  profile: string;
  /** "J" or "flop". */
  unit: string;
  energyPerFrame: number;
  power: number;
  synapticOps: number;
  neuronUpdates: number;
  annMacs: number;
  annEnergyPerFrame: number;
  ratio: number;
  /** Hz, per weighted layer in model order. */
  layerRates: readonly number[];
}

/** What the messages are made from (src/stream's ClassificationResult fits). */
export interface ResultFields {
  /** The frame rate the energy's power is taken at, and where it comes from. */
  powerRate?: { fps: number; source: string };
  /** The source image's header; every message of the frame carries a copy. */
  header: Header;
  classId: number;
  className: string;
  confidence: number;
  /** Softmax score of every class, in class order. */
  scores: readonly number[];
  outputSpikeCounts: readonly number[];
  timestepsUsed: number;
  counters: { dt: number };
  energy: ResultEnergy;
  timings: { total: number };
}

/** The messages written for every result, by output name, with their ROS types. */
export const RESULT_OUTPUT_TYPES = {
  classification: "vision_msgs/msg/Classification",
  spikeClassification: "spikenode/msg/SpikeClassification",
  power: "spikenode/msg/PowerEstimate",
} as const;
/** Written once per model (latched), not per result. */
export const LABEL_INFO_TYPE = "vision_msgs/msg/LabelInfo";

export type ResultOutputName = keyof typeof RESULT_OUTPUT_TYPES;

export interface ResultMessageOptions {
  /** Hypotheses in the Classification message (capped at the class count). */
  topK: number;
  /** Carry every class's score and spike count in SpikeClassification. */
  withScores: boolean;
}

/** One result as the messages of every per-result output, in publication order. */
export interface ResultMessages {
  classification: Classification;
  spikeClassification: SpikeClassification;
  power: PowerEstimate;
}

/**
 * The one place a result becomes its messages: the ROS node publishes these and bag replay
 * records them (the fourth output, the class map, is labelInfoMessage, once per model).
 */
export function resultMessages(
  result: ResultFields,
  options: ResultMessageOptions,
): ResultMessages {
  return {
    classification: classificationMessage(result, options.topK),
    spikeClassification: spikeClassificationMessage(result, options.withScores),
    power: powerEstimateMessage(result),
  };
}

/** The per-result output names in publication order. */
export const RESULT_OUTPUTS = Object.keys(RESULT_OUTPUT_TYPES) as ResultOutputName[];

/**
 * vision_msgs/Classification: the `topK` best classes, best first; class_id is the class index
 * as a decimal string (the index into label_info's class_map), score the softmax score. At least
 * one hypothesis, at most one per class; ties keep class order.
 */
export function classificationMessage(result: ResultFields, topK: number): Classification {
  const scores = result.scores;
  const k = Math.max(1, Math.min(topK, scores.length));
  // Selection of the k best by repeated scan: k and the class count are small (tens), and this
  // keeps ties in class order, as a stable sort would.
  const chosen: number[] = [];
  for (let n = 0; n < k; n++) {
    let best = -1;
    for (let i = 0; i < scores.length; i++) {
      if (chosen.includes(i)) continue;
      if (best < 0 || scores[i] > scores[best]) best = i;
    }
    chosen.push(best);
  }
  return {
    header: copyHeader(result.header),
    results: chosen.map((i) => ({ class_id: String(i), score: scores[i] })),
  };
}

/** spikenode/msg/SpikeClassification; without scores the per-class arrays are left empty. */
export function spikeClassificationMessage(
  result: ResultFields,
  withScores: boolean,
): SpikeClassification {
  return {
    header: copyHeader(result.header),
    class_id: result.classId,
    class_name: result.className,
    confidence: result.confidence,
    scores: withScores ? Float64Array.from(result.scores) : new Float64Array(0),
    output_spike_counts: withScores
      ? Uint32Array.from(result.outputSpikeCounts)
      : new Uint32Array(0),
    timesteps_used: result.timestepsUsed,
    timestep_s: result.counters.dt,
    latency_ms: result.timings.total,
  };
}

/** spikenode/msg/PowerEstimate from the result's energy estimate. */
export function powerEstimateMessage(result: ResultFields): PowerEstimate {
  const e = result.energy;
  return {
    header: copyHeader(result.header),
    profile: e.profile,
    energy_unit: e.unit,
    energy_per_frame: e.energyPerFrame,
    power: e.power,
    synaptic_ops: toUint64(e.synapticOps),
    neuron_updates: toUint64(e.neuronUpdates),
    ann_macs: toUint64(e.annMacs),
    ann_energy_per_frame: e.annEnergyPerFrame,
    energy_ratio: e.ratio,
    layer_firing_rates_hz: Float32Array.from(e.layerRates),
    frame_rate: result.powerRate?.fps ?? 0,
    frame_rate_source: result.powerRate?.source ?? "",
  };
}

/**
 * vision_msgs/LabelInfo: class index -> label; threshold 0 because every frame's classes are
 * published. frame_id is empty: the map belongs to the model, not to a camera.
 */
export function labelInfoMessage(labels: readonly string[], stamp: Time): LabelInfo {
  return {
    header: { stamp: { sec: stamp.sec, nanosec: stamp.nanosec }, frame_id: "" },
    class_map: labels.map((class_name, class_id) => ({ class_id, class_name })),
    threshold: 0,
  };
}

function copyHeader(h: Header): Header {
  return { stamp: { sec: h.stamp.sec, nanosec: h.stamp.nanosec }, frame_id: h.frame_id };
}

/** Counts as uint64: non-finite or negative counts (never expected) become 0 rather than throw. */
function toUint64(n: number): bigint {
  return Number.isFinite(n) && n > 0 ? BigInt(Math.round(n)) : 0n;
}
