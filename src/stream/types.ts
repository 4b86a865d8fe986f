/**
 * The pipeline's contract with its sources (ROS subscriptions, bags, tests) and its sinks
 * (ROS publishers, output bags, the console). Kept free of rclnodejs and bag types.
 */
import type { Observable } from "rxjs";
import type { FrameCounters } from "../snn/counters.js";
import type { EnergyEstimate } from "../power/types.js";

export interface Time {
  sec: number;
  nanosec: number;
}

export interface Header {
  stamp: Time;
  frame_id: string;
}

/** sensor_msgs/msg/Image as decoded from CDR. */
export interface RawImage {
  header: Header;
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number;
  step: number;
  data: Uint8Array;
}

/** sensor_msgs/msg/CompressedImage as decoded from CDR. */
export interface CompressedImage {
  header: Header;
  format: string;
  data: Uint8Array;
}

/**
 * A frame entering the pipeline. Serialized frames carry CDR bytes exactly as a raw ROS
 * subscription or a bag delivers them; they are decoded once, inside the pipeline.
 */
export type FrameInput =
  | { kind: "image"; message: RawImage }
  | { kind: "compressed"; message: CompressedImage }
  | {
      kind: "serialized";
      type: "sensor_msgs/msg/Image" | "sensor_msgs/msg/CompressedImage";
      data: Uint8Array;
    };

/** Milliseconds spent per stage for one frame; total runs from arrival to result. */
export interface StageTimings {
  queue: number;
  decode: number;
  preprocess: number;
  encode: number;
  engine: number;
  readout: number;
  power: number;
  total: number;
}

export interface ClassScore {
  classId: number;
  className: string;
  score: number;
}

export interface ClassificationResult {
  /** Arrival order of the frame in this pipeline (0-based). */
  seq: number;
  header: Header;
  classId: number;
  className: string;
  /** Softmax confidence of the winning class, in [0, 1]. */
  confidence: number;
  /** Softmax scores of every class, in class order. */
  scores: number[];
  /** The k best classes, best first. */
  topK: ClassScore[];
  timestepsUsed: number;
  /** Spikes of each output neuron over the presentation. */
  outputSpikeCounts: number[];
  counters: FrameCounters;
  energy: EnergyEstimate;
  timings: StageTimings;
}

export interface FrameError {
  seq: number;
  header?: Header;
  /** Short machine-readable reason, used to count errors by kind (e.g. "unsupported_encoding"). */
  reason: string;
  /** A sentence naming the frame, what was wrong and what to do. */
  message: string;
}

export interface PipelineStats {
  received: number;
  processed: number;
  dropped: number;
  errors: number;
  errorsByReason: Record<string, number>;
}

export interface Pipeline {
  /** Hand a frame over; never blocks on ticks. */
  push(frame: FrameInput): void;
  readonly results$: Observable<ClassificationResult>;
  readonly errors$: Observable<FrameError>;
  stats(): PipelineStats;
  /** Finish the frames already accepted (or count them as dropped), then stop the worker. */
  close(): Promise<void>;
}
