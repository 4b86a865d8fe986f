/**
 * Messages between the pipeline (main thread) and its worker. Only structured-clonable data.
 */
import type { WorkerFrame } from "./input-kinds.js";
import type { ClassificationResult, PipelineInfo, PipelineOptions } from "./types.js";

/** What the worker needs of the options (functions stay on the main thread). */
export type WorkerConfig = Omit<PipelineOptions, "deserialize" | "transfer" | "queueCapacity">;

/** Milliseconds the worker spent per stage. */
export interface WorkerTimings {
  preprocess: number;
  encode: number;
  engine: number;
  readout: number;
  power: number;
}

/** A result as the worker sends it; the main thread adds seq, queue, decode and total times. */
export type WorkerResult = Omit<ClassificationResult, "seq" | "timings"> & {
  timings: WorkerTimings;
};

export type ToWorker = { type: "frame"; seq: number; frame: WorkerFrame };

export type FromWorker =
  | { type: "ready"; info: PipelineInfo }
  | { type: "fatal"; message: string }
  | { type: "result"; seq: number; result: WorkerResult }
  | { type: "error"; seq: number; reason: string; message: string };
