/**
 * Owns the worker thread: starts it (from compiled JS, or from TypeScript sources under
 * tsx/vitest), posts frames, routes replies, and survives a crash of the worker (an error
 * thrown inside it, running out of its heap, the thread exiting or being terminated): the frame
 * it held is given up as dropped with reason "worker_crashed", and a fresh worker is started
 * with the same configuration (the same model). Frames that arrive while it restarts are dropped
 * at once ("worker_restarting") instead of waiting: a camera's frame is stale by the time the
 * model has loaded again, and the newest frame wins, as everywhere in the pipeline.
 *
 * Restarts back off when crashes repeat with no frame finished in between: the first restart is
 * immediate (a one-off fault costs one frame), each further one waits twice as long as the
 * previous, up to `maxMs`. A model or input that kills every worker would otherwise reload the
 * model in a tight loop, taking a core from every other node on the robot and flooding the log;
 * the host never gives up, so a fault that clears (memory freed elsewhere) is recovered from.
 */
import { Worker } from "node:worker_threads";
import type { WorkerFrame } from "./input-kinds.js";
import type { FromWorker, ToWorker, WorkerConfig, WorkerFault, WorkerResult } from "./protocol.js";
import type { PipelineInfo, WorkerEvent } from "./types.js";

export type Reply =
  | { ok: true; result: WorkerResult }
  | { ok: false; abandoned?: false; reason: string; message: string }
  /**
   * The frame will never be finished; count it as dropped, under `reason` when one is given
   * (without one the caller accounts for it, as when closing gives up on it).
   */
  | { ok: false; abandoned: true; reason?: string; message?: string };

export interface RestartBackoff {
  /** Wait before the second restart in a row; doubles with each further one. Default 500. */
  initialMs?: number;
  /** Longest wait between restarts. Default 30000. */
  maxMs?: number;
}

const DEFAULT_BACKOFF: Required<RestartBackoff> = { initialMs: 500, maxMs: 30_000 };

/**
 * "starting": the first worker loads the model (frames wait for it, so a replay loses none);
 * "running"; "restarting": a worker crashed and the next one is not ready (frames are dropped);
 * "stopped": terminate() was called.
 */
type HostState = "starting" | "running" | "restarting" | "stopped";

export class WorkerHost {
  private worker: Worker | undefined;
  private loaded!: Promise<PipelineInfo>;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private state: HostState = "starting";
  private readonly backoff: Required<RestartBackoff>;
  /** Crashes since a frame last finished: what the backoff grows with. */
  private consecutiveCrashes = 0;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** A fault to cause on the next frame posted (injectWorkerFault, tests only). */
  private armedFault: WorkerFault | "terminate" | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly onEvent: (event: WorkerEvent) => void = () => {},
  ) {
    this.backoff = { ...DEFAULT_BACKOFF, ...config.restartBackoff };
    this.loaded = new Promise<PipelineInfo>((resolve, reject) => {
      this.spawn({
        ready: resolve,
        failed: (why) => {
          // The first load failing is the model's fault, not a crash: report it, do not retry.
          this.state = "stopped";
          reject(new Error(why));
        },
      });
    });
    // Nobody may be awaiting ready(); a failed load is reported per frame and through ready().
    this.loaded.catch(() => {});
  }

  ready(): Promise<PipelineInfo> {
    return this.loaded;
  }

  /** Post one frame; `reply` is called exactly once. */
  process(
    seq: number,
    frame: WorkerFrame,
    transfer: ArrayBuffer[],
    reply: (r: Reply) => void,
  ): void {
    this.loaded.then(
      () => {
        if (this.state === "restarting") {
          reply({
            ok: false,
            abandoned: true,
            reason: "worker_restarting",
            message: `frame ${seq}: dropped while the inference worker restarts after a crash`,
          });
          return;
        }
        if (this.state !== "running" || !this.worker) {
          reply({ ok: false, abandoned: true });
          return;
        }
        this.pending.set(seq, reply);
        const fault = this.armedFault;
        this.armedFault = undefined;
        if (fault && fault !== "terminate") {
          const inject: ToWorker = { type: "inject-fault-for-tests", fault };
          this.worker.postMessage(inject);
        }
        const message: ToWorker = { type: "frame", seq, frame };
        this.worker.postMessage(message, transfer);
        // As a thread killed from outside while it works: the frame just posted is in flight.
        if (fault === "terminate") void this.worker.terminate();
      },
      (err: unknown) =>
        reply({
          ok: false,
          reason: "model_unavailable",
          message: `frame ${seq}: not classified because the model could not be loaded: ${(err as Error).message}`,
        }),
    );
  }

  /** Give up on every frame in the worker; returns how many there were. */
  abandonAll(): number {
    const n = this.pending.size;
    for (const reply of this.pending.values()) reply({ ok: false, abandoned: true });
    this.pending.clear();
    return n;
  }

  async terminate(): Promise<void> {
    this.state = "stopped";
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.abandonAll();
  }

  /**
   * Tests only (see fault-injection.ts): the next frame posted makes the worker fail as `fault`
   * says, or, for "terminate", the thread is terminated from here once the frame is posted.
   */
  armFault(fault: WorkerFault | "terminate"): void {
    this.armedFault = fault;
  }

  /** Starts a worker; `ready` once it has loaded the model, else `failed` with why, once. */
  private spawn(on: { ready: (info: PipelineInfo) => void; failed: (why: string) => void }): void {
    let worker: Worker;
    try {
      worker = spawnWorker(this.config);
    } catch (err) {
      on.failed((err as Error)?.message ?? String(err));
      return;
    }
    this.worker = worker;
    let isReady = false;
    let lastFailure: string | undefined;

    worker.on("message", (msg: FromWorker) => {
      if (this.worker !== worker) return;
      switch (msg.type) {
        case "ready":
          isReady = true;
          this.state = "running";
          on.ready(msg.info);
          break;
        case "fatal":
          this.worker = undefined;
          void worker.terminate();
          on.failed(msg.message);
          break;
        case "result":
          this.consecutiveCrashes = 0;
          this.settle(msg.seq, { ok: true, result: msg.result });
          break;
        case "error":
          this.consecutiveCrashes = 0;
          this.settle(msg.seq, { ok: false, reason: msg.reason, message: msg.message });
          break;
      }
    });
    worker.on("error", (err: Error & { code?: string }) => {
      lastFailure =
        err.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `out of memory: ${err.message}`
          : `an error was thrown in it: ${err.stack ?? err.message}`;
    });
    worker.on("exit", (code) => {
      if (this.state === "stopped" || this.worker !== worker) return;
      this.worker = undefined;
      const why = lastFailure ?? `its thread exited with code ${code}`;
      if (!isReady) on.failed(why);
      else this.crashed(why);
    });
  }

  /** The running worker is gone: give up its frames, then start another, backing off. */
  private crashed(why: string): void {
    this.state = "restarting";
    this.consecutiveCrashes += 1;
    const reason = firstLine(why);
    const inFlight = this.pending.size;
    for (const [seq, reply] of this.pending) {
      reply({
        ok: false,
        abandoned: true,
        reason: "worker_crashed",
        message: `frame ${seq}: dropped, the inference worker crashed while classifying it (${reason}); a new worker is being started`,
      });
    }
    this.pending.clear();
    const n = this.consecutiveCrashes;
    const delayMs =
      n === 1 ? 0 : Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (n - 2));
    this.onEvent({
      type: "crashed",
      reason,
      framesDropped: inFlight,
      consecutive: n,
      restartInMs: delayMs,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state !== "restarting") return;
      this.spawn({
        ready: (info) => {
          this.restarts += 1;
          this.onEvent({ type: "restarted", restarts: this.restarts, info });
        },
        // A restart that cannot load the model (its files gone, memory short) is one more crash.
        failed: (failure) => {
          if (this.state === "restarting") this.crashed(`restarting it failed: ${failure}`);
        },
      });
    }, delayMs);
  }

  private settle(seq: number, reply: Reply): void {
    const callback = this.pending.get(seq);
    if (!callback) return;
    this.pending.delete(seq);
    callback(reply);
  }
}

function firstLine(text: string): string {
  const i = text.indexOf("\n");
  return i < 0 ? text : text.slice(0, i);
}

/**
 * Compiled: `dist/stream/worker.js`. From sources (vitest, tsx): the `.ts` worker, with tsx's
 * loader registered inside the worker first (Node 20 does not apply `--import` hooks to a
 * worker's entry module, so a tiny bootstrap registers them).
 */
function spawnWorker(config: WorkerConfig): Worker {
  // A heap limit makes a runaway model an out-of-memory crash of this worker (restarted)
  // rather than of the whole node.
  const resourceLimits = config.workerMaxHeapMb
    ? { maxOldGenerationSizeMb: config.workerMaxHeapMb }
    : undefined;
  const fromSources = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSources ? "./worker.ts" : "./worker.js", import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData: config, resourceLimits });
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve("tsx/esm/api");
  } catch {
    throw new Error(
      "The pipeline runs from TypeScript sources but tsx is not installed; install the dev " +
        "dependencies (npm install) or run the compiled build (npm run build, then dist/).",
    );
  }
  const boot =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: config, resourceLimits });
}
