/**
 * The engine's raw readout → class, confidence and top-k.
 *
 * Scale: softmax needs logits in the units the network was trained to output. A mean_output or
 * membrane readout already is one. A spike_count readout is converted to the mean output per
 * tick of the window, count × spike height / window ticks (spike height amplitude/dt for LIF,
 * amplitude for ALIF), i.e. rate × amplitude for LIF: the value the rate-based (soft-LIF)
 * network computes. Temperature divides the logits after that.
 */
import type { ModelSpec } from "../snn/model-spec.js";
import { spikeHeight } from "../snn/neurons/index.js";
import { argmax, softmax } from "./softmax.js";

export type ReadoutType = ModelSpec["readout"]["type"];

export interface ClassScore {
  classId: number;
  className: string;
  score: number;
}

export interface Decoded {
  classId: number;
  className: string;
  /** Softmax probability of the winning class. */
  confidence: number;
  /** Softmax probabilities of every class, in class order. */
  scores: number[];
  /** The k most probable classes, best first (ties: lower class id first). */
  topK: ClassScore[];
  /** The logits the softmax saw (before temperature). */
  logits: number[];
  /** Every raw score was equal (e.g. no output spikes): the class is a tie broken by index. */
  silent: boolean;
}

export interface DecoderOptions {
  labels: readonly string[];
  readout: ReadoutType;
  /** Height of one output spike in the output's units (spike_count only): amplitude/dt for LIF. */
  spikeHeight?: number;
  /** Softmax temperature; > 1 flattens, < 1 sharpens. Default 1. */
  temperature?: number;
  /** How many classes topK lists. Default min(5, labels). */
  topK?: number;
}

export class ScoreDecoder {
  readonly labels: readonly string[];
  readonly readout: ReadoutType;
  readonly spikeHeight: number;
  readonly temperature: number;
  readonly k: number;
  private readonly logitBuf: Float64Array;
  private readonly probBuf: Float64Array;

  constructor(options: DecoderOptions) {
    if (options.labels.length === 0) throw new RangeError("decoder: labels must not be empty");
    this.labels = options.labels;
    this.readout = options.readout;
    this.spikeHeight = options.spikeHeight ?? 1;
    if (!(this.spikeHeight > 0) || !Number.isFinite(this.spikeHeight)) {
      throw new RangeError(
        `decoder: spikeHeight is ${this.spikeHeight}; it must be a positive number`,
      );
    }
    this.temperature = options.temperature ?? 1;
    if (!(this.temperature > 0) || !Number.isFinite(this.temperature)) {
      throw new RangeError(
        `decoder: temperature is ${this.temperature}; it must be a positive number`,
      );
    }
    const k = options.topK ?? 5;
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`decoder: topK is ${k}; it must be a positive integer`);
    this.k = Math.min(k, this.labels.length);
    this.logitBuf = new Float64Array(this.labels.length);
    this.probBuf = new Float64Array(this.labels.length);
  }

  /**
   * Logits from raw readout scores. windowTicks: ticks of the readout window simulated so far
   * (spike_count only; with none, every logit is 0).
   */
  logits(
    raw: ArrayLike<number>,
    windowTicks: number,
    out: Float64Array = this.logitBuf,
  ): Float64Array {
    this.check(raw);
    const scale =
      this.readout === "spike_count" ? (windowTicks > 0 ? this.spikeHeight / windowTicks : 0) : 1;
    for (let i = 0; i < raw.length; i++) out[i] = raw[i] * scale;
    return out;
  }

  decode(raw: ArrayLike<number>, windowTicks: number): Decoded {
    const logits = this.logits(raw, windowTicks);
    const probs = softmax(logits, this.temperature, this.probBuf);
    const classId = argmax(probs);
    let silent = true;
    for (let i = 1; i < raw.length; i++) if (raw[i] !== raw[0]) silent = false;
    return {
      classId,
      className: this.labels[classId],
      confidence: probs[classId],
      scores: Array.from(probs),
      topK: topK(probs, this.k, this.labels),
      logits: Array.from(logits),
      silent,
    };
  }

  private check(raw: ArrayLike<number>): void {
    if (raw.length !== this.labels.length) {
      throw new RangeError(`decoder: ${raw.length} scores for ${this.labels.length} labels`);
    }
  }
}

/** The k largest of `scores`, best first; ties go to the lower index. */
export function topK(
  scores: ArrayLike<number>,
  k: number,
  labels: readonly string[],
): ClassScore[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, Math.min(k, order.length)).map((i) => ({
    classId: i,
    className: labels[i] ?? String(i),
    score: scores[i],
  }));
}

/** Height of one output spike of a model's last weighted layer (1 if it does not spike). */
export function outputSpikeHeight(spec: ModelSpec): number {
  for (let i = spec.layers.length - 1; i >= 0; i--) {
    const layer = spec.layers[i];
    if (!("neuron" in layer)) continue;
    return spikeHeight(layer.neuron, spec.dt);
  }
  return 1;
}

/** Ticks in the model's readout window, for a presentation of `ticks` ticks. */
export function windowTicks(spec: ModelSpec, ticks: number): number {
  const start = spec.readout.window.start;
  const end = Math.min(ticks, spec.readout.window.end ?? spec.presentation.timesteps);
  return Math.max(0, end - start);
}

/**
 * Why `timesteps` ticks per frame cannot be read out (the window starts at or after the last
 * tick, so every frame would score all classes equal), or null when they can.
 */
export function timestepsProblem(spec: ModelSpec, timesteps: number): string | null {
  const start = spec.readout.window.start;
  if (timesteps > start) return null;
  return `${spec.name} reads its output from tick ${start} on (readout.window.start, after the transient of a reset), so ${timesteps} ticks per frame read nothing out; give more than ${start} ticks`;
}

/** The decoder a model file implies; options override temperature and top-k. */
export function decoderForModel(
  spec: ModelSpec,
  options: { temperature?: number; topK?: number } = {},
): ScoreDecoder {
  return new ScoreDecoder({
    labels: spec.labels,
    readout: spec.readout.type,
    spikeHeight: outputSpikeHeight(spec),
    ...options,
  });
}
