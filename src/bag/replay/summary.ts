/** What a replay tells at the end, and the running tallies it is made from. */
import type { EventStreamStats } from "../../stream/types.js";
import type { ClassificationResult, EarlyExitOptions, FrameError } from "../../stream/types.js";
import type { BagProblem, StorageId } from "../types.js";
import type { InputMessageType } from "../../stream/input-kinds.js";
import type { DamageFigures } from "./damage.js";

export interface LatencyFigures {
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export interface EnergyFigures {
  profile: string;
  /** "J": energies in joules, power in watts; "flop": FLOP-relative units. */
  unit: string;
  /** Mean energy of the spiking network per classified frame. */
  perFrame: number;
  /** Mean energy of the same network run once as a conventional ANN. */
  annPerFrame: number;
  /** annPerFrame / perFrame (> 1: the spiking run is cheaper). */
  ratio: number;
  /** Mean power at the rate frames were actually processed (W for unit J). */
  power: number;
  /** Mean synaptic operations per frame. */
  synapticOps: number;
  /** What the ratio compares with ("fp32 ANN"); absent: "an ANN". */
  annLabel?: string;
  /** The profile's further ANNs (e.g. the int8 ANN), mean energy per frame and ratio each. */
  baselines?: { name: string; perFrame: number; ratio: number }[];
  /** Mean spike-driven synaptic operations per synapse that carries spikes, per frame. */
  spikesPerSynapse?: number;
}

export interface ClassAccuracy {
  class: string;
  /** Classified frames whose true class this is. */
  labelled: number;
  correct: number;
  /** correct / labelled; null when no frame of the class was classified. */
  accuracy: number | null;
}

export interface AccuracyFigures {
  labelsFile: string;
  /** Classified frames that have a true class. */
  labelled: number;
  correct: number;
  /** correct / labelled. */
  accuracy: number;
  /** Recall per true class, in the model's class order. */
  perClass: ClassAccuracy[];
  /**
   * confusion[true][predicted]: classified frames, rows the true class and columns the
   * predicted one, both in the model's class order (true classes the model does not have are
   * counted in `labelled` but not here).
   */
  confusion: number[][];
}

export interface ReplaySummary {
  bag: string;
  storage: StorageId;
  topic: string;
  type: InputMessageType;
  model: {
    path: string;
    name: string;
    labels: string[];
    timesteps: number;
    dt: number;
    encoder: string;
    presentation: string;
  };
  /** Pacing: R× recorded speed, or null for as fast as possible. */
  rate: number | null;
  /** The early-exit policy frames ran under, or null for none (every frame got all its ticks). */
  earlyExit: EarlyExitOptions | null;
  /** Mean ticks simulated per classified frame; null when none was. */
  ticksPerFrame: number | null;
  /** Image messages read and handed to the pipeline. */
  frames: number;
  classified: number;
  /** Frames accepted but never finished (0 unless the run was interrupted). */
  dropped: number;
  /** Frames refused (bad size, unknown encoding, undecodable bytes...). */
  errors: number;
  errorsByReason: Record<string, number>;
  /** The first error message of each reason, to say what was wrong. */
  errorExamples: Record<string, string>;
  /** Arrival in the pipeline to result, ms (includes waiting behind the frame in flight). */
  latencyMs: LatencyFigures | null;
  /** Decode, preprocess, encode, engine, readout and power of one frame, ms (no queueing). */
  processingMs: LatencyFigures | null;
  energy: EnergyFigures | null;
  /** Classified frames per class name, every class of the model listed, in class order. */
  classHistogram: Record<string, number>;
  accuracy: AccuracyFigures | null;
  /** Time the replay took, from the first frame read to the last result. */
  wallSeconds: number;
  framesPerSecond: number;
  /** Span of the replayed frames' log times. */
  recordedSeconds: number;
  output: {
    path: string;
    file: string;
    metadataFile?: string;
    messageCount: number;
    topics: { name: string; type: string; count: number }[];
  };
  /** Data the bag reader could not deliver (truncation, damage); the frames before it were replayed. */
  problems: BagProblem[];
  /** Whether the bag was read in full, and how many frames were lost (see damage.ts). */
  damaged: DamageFigures["damaged"];
  lostFrames: DamageFigures["lostFrames"];
  /** Frames the replay set out to read: the topic's listed count, capped by --limit. */
  expectedFrames: number;
  /**
   * Event topics: packets, events, bad packets and windows dropped beneath the frames (which are
   * then windows of sensor time).
   */
  events?: EventStreamStats;
  notes: string[];
  /** Stopped early (signal) rather than at the end of the bag or --limit. */
  interrupted: boolean;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function latencyFigures(values: number[]): LatencyFigures | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

/** Running tallies over the frames of a replay. */
export class ReplayTally {
  private readonly latencies: number[] = [];
  private readonly processing: number[] = [];
  private energySum = 0;
  private ticksSum = 0;
  private annSum = 0;
  private powerSum = 0;
  private synopsSum = 0;
  private spikesPerSynapseSum = 0;
  private baselineSums = new Map<string, number>();
  private annLabel: string | undefined;
  private profile = "";
  private unit = "";
  private readonly histogram: number[];
  readonly errorExamples: Record<string, string> = {};
  private labelled = 0;
  private correct = 0;
  private readonly confusion: number[][];

  constructor(private readonly labels: readonly string[]) {
    this.histogram = new Array<number>(labels.length).fill(0);
    this.confusion = labels.map(() => new Array<number>(labels.length).fill(0));
  }

  get classified(): number {
    return this.latencies.length;
  }

  addResult(result: ClassificationResult, trueClass: number | undefined): void {
    this.latencies.push(result.timings.total);
    this.processing.push(result.timings.total - result.timings.queue);
    const e = result.energy;
    this.energySum += e.energyPerFrame;
    this.ticksSum += result.timestepsUsed;
    this.annSum += e.annEnergyPerFrame;
    this.powerSum += e.power;
    this.synopsSum += e.synapticOps;
    this.spikesPerSynapseSum += e.spikesPerSynapse ?? 0;
    for (const b of e.baselines ?? [])
      this.baselineSums.set(b.name, (this.baselineSums.get(b.name) ?? 0) + b.energyPerFrame);
    this.annLabel = e.annLabel;
    this.profile = e.profile;
    this.unit = e.unit;
    if (result.classId >= 0 && result.classId < this.histogram.length)
      this.histogram[result.classId] += 1;
    if (trueClass !== undefined) {
      this.labelled += 1;
      if (trueClass === result.classId) this.correct += 1;
      const row = this.confusion[trueClass];
      if (row && result.classId >= 0 && result.classId < row.length) row[result.classId] += 1;
    }
  }

  addError(error: FrameError): void {
    this.errorExamples[error.reason] ??= error.message;
  }

  latency(): LatencyFigures | null {
    return latencyFigures(this.latencies);
  }

  ticksPerFrame(): number | null {
    return this.classified > 0 ? this.ticksSum / this.classified : null;
  }

  processingTime(): LatencyFigures | null {
    return latencyFigures(this.processing);
  }

  energy(): EnergyFigures | null {
    const n = this.classified;
    if (n === 0) return null;
    return {
      profile: this.profile,
      unit: this.unit,
      perFrame: this.energySum / n,
      annPerFrame: this.annSum / n,
      ratio: this.energySum > 0 ? this.annSum / this.energySum : Infinity,
      power: this.powerSum / n,
      synapticOps: this.synopsSum / n,
      ...(this.annLabel === undefined ? {} : { annLabel: this.annLabel }),
      baselines: [...this.baselineSums].map(([name, sum]) => ({
        name,
        perFrame: sum / n,
        ratio: this.energySum > 0 ? sum / this.energySum : Infinity,
      })),
      spikesPerSynapse: this.spikesPerSynapseSum / n,
    };
  }

  classHistogram(): Record<string, number> {
    const out: Record<string, number> = {};
    this.labels.forEach((name, i) => (out[name] = (out[name] ?? 0) + this.histogram[i]));
    return out;
  }

  accuracy(labelsFile: string | undefined): AccuracyFigures | null {
    if (labelsFile === undefined || this.labelled === 0) return null;
    return {
      labelsFile,
      labelled: this.labelled,
      correct: this.correct,
      accuracy: this.correct / this.labelled,
      perClass: this.labels.map((name, i) => {
        const row = this.confusion[i];
        const labelled = row.reduce((a, b) => a + b, 0);
        return {
          class: name,
          labelled,
          correct: row[i],
          accuracy: labelled > 0 ? row[i] / labelled : null,
        };
      }),
      confusion: this.confusion.map((row) => [...row]),
    };
  }
}
