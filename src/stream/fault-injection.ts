/**
 * Tests only: makes a pipeline's worker thread fail on its next frame, so the crash handling
 * (worker-host.ts: frame dropped, worker restarted, backoff) can be exercised without a real
 * bug. Reached only through this function with the pipeline object in hand: the key is a
 * symbol, the worker honours the fault only from its host, and nothing in a frame, a parameter
 * or a ROS message can arm it.
 */
import type { Pipeline } from "./types.js";
import type { WorkerFault } from "./protocol.js";

/** The worker's own failures (protocol.ts), or "terminate": the host kills the thread. */
export type InjectableFault = WorkerFault | "terminate";

export const INJECT_WORKER_FAULT = Symbol("spikenode.injectWorkerFaultForTests");

interface Injectable {
  [INJECT_WORKER_FAULT](fault: InjectableFault): void;
}

/**
 * Arms `fault` for the next frame the worker is given (that frame is then in flight when it
 * fails). Throws for a pipeline without a worker, and for "out_of_memory" without a heap limit.
 */
export function injectWorkerFault(pipeline: Pipeline, fault: InjectableFault): void {
  const target = pipeline as Partial<Injectable>;
  if (typeof target[INJECT_WORKER_FAULT] !== "function")
    throw new Error(
      "injectWorkerFault: this pipeline has no worker thread; use one from createPipeline",
    );
  target[INJECT_WORKER_FAULT](fault);
}
