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

/**
 * Failures a test can make the worker suffer on its next frame (fault-injection.ts): an error
 * thrown out of the message handler, running out of its heap (needs workerMaxHeapMb), or the
 * thread exiting by itself. Only the main thread's host posts it; no frame content can.
 */
export type WorkerFault = "throw" | "out_of_memory" | "exit";

export type ToWorker =
  | { type: "frame"; seq: number; frame: WorkerFrame }
  | { type: "inject-fault-for-tests"; fault: WorkerFault };

export type FromWorker =
  | { type: "ready"; info: PipelineInfo }
  | { type: "fatal"; message: string }
  | { type: "result"; seq: number; result: WorkerResult }
  | { type: "error"; seq: number; reason: string; message: string };
