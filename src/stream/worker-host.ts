/**
 * Owns the worker thread: starts it (from compiled JS, or from TypeScript sources under
 * tsx/vitest), posts frames, routes replies, and survives a crash of the worker by failing the
 * frame it held and starting a fresh one.
 */
import { Worker } from "node:worker_threads";
import type { WorkerFrame } from "./input-kinds.js";
import type { FromWorker, ToWorker, WorkerConfig, WorkerResult } from "./protocol.js";
import type { PipelineInfo } from "./types.js";

export type Reply =
  | { ok: true; result: WorkerResult }
  | { ok: false; abandoned?: false; reason: string; message: string }
  /** The frame will never be finished (the pipeline gave up on it); count it as dropped. */
  | { ok: false; abandoned: true };

/** Consecutive crashes, with no frame finished in between, after which we stop restarting. */
const MAX_CONSECUTIVE_CRASHES = 3;

export class WorkerHost {
  private worker: Worker | undefined;
  private loaded!: Promise<PipelineInfo>;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private terminating = false;
  private crashes = 0;
  private lastFailure: string | undefined;

  constructor(private readonly config: WorkerConfig) {
    this.start();
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
        if (this.terminating || !this.worker) {
          reply({ ok: false, abandoned: true });
          return;
        }
        this.pending.set(seq, reply);
        const message: ToWorker = { type: "frame", seq, frame };
        this.worker.postMessage(message, transfer);
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
    this.terminating = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.abandonAll();
  }

  private start(): void {
    const worker = spawnWorker(this.config);
    this.worker = worker;
    let settle!: { resolve: (info: PipelineInfo) => void; reject: (err: Error) => void };
    this.loaded = new Promise<PipelineInfo>((resolve, reject) => (settle = { resolve, reject }));
    // Nobody may be awaiting ready(); a failed load is reported per frame and through ready().
    this.loaded.catch(() => {});
    let isReady = false;

    worker.on("message", (msg: FromWorker) => {
      switch (msg.type) {
        case "ready":
          isReady = true;
          settle.resolve(msg.info);
          break;
        case "fatal":
          this.lastFailure = msg.message;
          settle.reject(new Error(msg.message));
          this.worker = undefined;
          void worker.terminate();
          break;
        case "result":
          this.crashes = 0;
          this.settle(msg.seq, { ok: true, result: msg.result });
          break;
        case "error":
          this.crashes = 0;
          this.settle(msg.seq, { ok: false, reason: msg.reason, message: msg.message });
          break;
      }
    });
    worker.on("error", (err: Error) => {
      this.lastFailure = err.stack ?? err.message;
    });
    worker.on("exit", (code) => {
      if (this.terminating || this.worker !== worker) return;
      this.worker = undefined;
      const why = this.lastFailure ?? `the worker thread exited with code ${code}`;
      if (!isReady) {
        settle.reject(new Error(why));
        return;
      }
      this.crashes += 1;
      for (const [seq, reply] of this.pending) {
        reply({
          ok: false,
          reason: "worker_crashed",
          message: `frame ${seq}: the inference worker stopped while classifying it (${firstLine(why)}); a new worker was started.`,
        });
      }
      this.pending.clear();
      if (this.crashes < MAX_CONSECUTIVE_CRASHES) {
        this.lastFailure = undefined;
        this.start();
      } else {
        const message = `the inference worker crashed ${this.crashes} times in a row; last: ${firstLine(why)}`;
        this.loaded = Promise.reject(new Error(message));
        this.loaded.catch(() => {});
      }
    });
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
  const fromSources = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSources ? "./worker.ts" : "./worker.js", import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData: config });
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
  return new Worker(boot, { eval: true, workerData: config });
}
