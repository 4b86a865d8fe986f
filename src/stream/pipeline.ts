/**
 * frames → results: the main-thread half of the pipeline.
 *
 * The main thread only counts, queues and posts frames and receives results; the stages that
 * cost (preprocess, encode, engine, readout, power) run in a worker thread, so a ROS callback
 * never waits for ticks. One frame is in the worker at a time; frames that arrive meanwhile
 * wait in a bounded queue where the newest win (latestWins). Serialized frames are
 * deserialized only when they are handed to the worker, so a dropped frame costs nothing.
 */
import { performance } from "node:perf_hooks";
import { Observable, Subject, type Subscription } from "rxjs";
import { handOver } from "./frame-transfer.js";
import { latestWins } from "./latest-wins.js";
import {
  decodedFrame,
  INPUT_FRAME_KINDS,
  INPUT_MESSAGE_TYPES,
  isInputMessageType,
  withData,
  type DecodedFrame,
} from "./input-kinds.js";
import type { WorkerConfig, WorkerResult } from "./protocol.js";
import { validateContinuousTicks } from "./presentation.js";
import type {
  ClassificationResult,
  CloseOptions,
  FrameError,
  FrameInput,
  Header,
  Pipeline,
  PipelineInfo,
  PipelineOptions,
  PipelineStats,
} from "./types.js";
import { WorkerHost } from "./worker-host.js";

interface Accepted {
  seq: number;
  frame: FrameInput;
  arrival: number;
}

type Outcome = { ok: true; result: ClassificationResult } | { ok: false; error: FrameError };

const DEFAULT_QUEUE_CAPACITY = 1;

export function createPipeline(options: PipelineOptions): Pipeline {
  return new WorkerPipeline(options);
}

class WorkerPipeline implements Pipeline {
  readonly results$: Observable<ClassificationResult>;
  readonly errors$: Observable<FrameError>;

  private readonly resultsSubject = new Subject<ClassificationResult>();
  private readonly errorsSubject = new Subject<FrameError>();
  private readonly input = new Subject<Accepted>();
  private readonly host: WorkerHost;
  private readonly output: Subscription;
  private readonly finished: Promise<void>;
  private readonly capacity: number;
  private readonly transfer: boolean;
  private readonly deserialize: PipelineOptions["deserialize"];

  private received = 0;
  private processed = 0;
  private dropped = 0;
  private errors = 0;
  private readonly errorsByReason: Record<string, number> = {};
  private waiting = 0;
  private inFlight = 0;
  private closing = false;
  private discardWaiting = false;
  private closePromise: Promise<void> | undefined;
  private roomWaiters: (() => void)[] = [];

  constructor(options: PipelineOptions) {
    validateOptions(options);
    this.capacity = options.queueCapacity ?? DEFAULT_QUEUE_CAPACITY;
    this.transfer = options.transfer ?? true;
    this.deserialize = options.deserialize;
    this.results$ = this.resultsSubject.asObservable();
    this.errors$ = this.errorsSubject.asObservable();

    const { deserialize: _d, transfer: _t, queueCapacity: _q, ...config } = options;
    this.host = new WorkerHost(config satisfies WorkerConfig);

    let resolveFinished!: () => void;
    this.finished = new Promise<void>((resolve) => (resolveFinished = resolve));
    this.output = this.input
      .pipe(
        latestWins((item: Accepted) => this.work(item), {
          capacity: this.capacity,
          onDrop: () => {
            this.dropped += 1;
          },
          onQueueLength: (waiting, busy) => {
            this.waiting = waiting;
            this.inFlight = busy ? 1 : 0;
            if (waiting < this.capacity) this.wakeRoomWaiters();
          },
        }),
      )
      .subscribe({
        next: (outcome) => this.emit(outcome),
        // work() never errors; this is a bug guard that still accounts for every frame.
        error: (err: unknown) => {
          this.errorsSubject.error(err);
          resolveFinished();
        },
        complete: () => resolveFinished(),
      });
  }

  push(frame: FrameInput): void {
    const seq = this.received;
    this.received += 1;
    if (this.closing) {
      this.dropped += 1;
      return;
    }
    this.input.next({ seq, frame, arrival: performance.now() });
  }

  stats(): PipelineStats {
    return {
      received: this.received,
      processed: this.processed,
      dropped: this.dropped,
      errors: this.errors,
      errorsByReason: { ...this.errorsByReason },
      waiting: this.waiting,
      inFlight: this.inFlight,
    };
  }

  ready(): Promise<PipelineInfo> {
    return this.host.ready();
  }

  capacityAvailable(): Promise<void> {
    if (this.closing || this.waiting < this.capacity) return Promise.resolve();
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.closePromise ??= this.shutdown(options);
    return this.closePromise;
  }

  private async shutdown({ drain = true, timeoutMs }: CloseOptions): Promise<void> {
    this.closing = true;
    this.discardWaiting = !drain;
    this.wakeRoomWaiters();
    this.input.complete();
    let timer: NodeJS.Timeout | undefined;
    const timedOut =
      timeoutMs === undefined
        ? new Promise<never>(() => {})
        : new Promise<"timeout">((resolve) => {
            timer = setTimeout(() => resolve("timeout"), timeoutMs);
          });
    const outcome = await Promise.race([this.finished.then(() => "done" as const), timedOut]);
    if (timer) clearTimeout(timer);
    if (outcome === "timeout") {
      // Whatever is still waiting or in flight will never be finished: count it. Leaving the
      // queue reports the waiting frames to onDrop; the one in flight (posted, or still
      // waiting for the model) is counted here.
      const stuck = this.inFlight;
      this.output.unsubscribe();
      this.host.abandonAll();
      this.dropped += stuck;
      this.inFlight = 0;
      this.waiting = 0;
    }
    await this.host.terminate();
    this.resultsSubject.complete();
    this.errorsSubject.complete();
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private emit(outcome: Outcome | null): void {
    if (outcome === null) return;
    if (outcome.ok) {
      this.processed += 1;
      this.resultsSubject.next(outcome.result);
    } else {
      this.errors += 1;
      const reason = outcome.error.reason;
      this.errorsByReason[reason] = (this.errorsByReason[reason] ?? 0) + 1;
      this.errorsSubject.next(outcome.error);
    }
  }

  /** One frame through the worker; emits exactly one outcome (null: counted as dropped). */
  private work(item: Accepted): Observable<Outcome | null> {
    return new Observable<Outcome | null>((subscriber) => {
      if (this.discardWaiting) {
        this.dropped += 1;
        subscriber.next(null);
        subscriber.complete();
        return;
      }
      const decodeStart = performance.now();
      const decoded = this.toDecoded(item);
      const decodeMs = performance.now() - decodeStart;
      if (!decoded.ok) {
        subscriber.next({ ok: false, error: decoded.error });
        subscriber.complete();
        return;
      }
      const frame = decoded.frame;
      const owner = item.frame.kind === "serialized" ? item.frame.data : undefined;
      const { data, transfer } = handOver(frame.message.data, this.transfer, owner);
      this.host.process(item.seq, withData(frame, data), transfer, (reply) => {
        const now = performance.now();
        if (reply.ok) {
          subscriber.next({
            ok: true,
            result: finishResult(item, reply.result, decodeMs, now),
          });
        } else if (reply.abandoned) {
          subscriber.next(null);
        } else {
          subscriber.next({
            ok: false,
            error: {
              seq: item.seq,
              header: frame.message.header,
              reason: reply.reason,
              message: reply.message,
            },
          });
        }
        subscriber.complete();
      });
    });
  }

  private toDecoded(
    item: Accepted,
  ): { ok: true; frame: DecodedFrame } | { ok: false; error: FrameError } {
    const { frame, seq } = item;
    const refuse = (reason: string, message: string, header?: Header) => ({
      ok: false as const,
      error: { seq, header, reason, message },
    });
    // The kinds come from INPUT_KINDS; a caller without types may still pass anything.
    if ((INPUT_FRAME_KINDS as readonly string[]).includes(frame.kind)) {
      const decoded = frame as DecodedFrame;
      if (!(decoded.message?.data instanceof Uint8Array)) {
        return refuse(
          "invalid_frame",
          `frame ${seq}: message.data is not a Uint8Array; pass the pixel bytes as a Uint8Array or Buffer.`,
          decoded.message?.header,
        );
      }
      return { ok: true, frame: decoded };
    }
    if (frame.kind !== "serialized") {
      return refuse(
        "invalid_frame",
        `frame ${seq}: unknown frame kind ${JSON.stringify((frame as { kind: unknown }).kind)}; ` +
          `use ${[...INPUT_FRAME_KINDS, "serialized"]
            .map((k) => JSON.stringify(k))
            .join(", ")
            .replace(/, ([^,]*)$/, " or $1")}.`,
      );
    }
    if (!isInputMessageType(frame.type)) {
      return refuse(
        "invalid_frame",
        `frame ${seq}: serialized frames of type ${JSON.stringify(frame.type)} are not an input ` +
          `the pipeline takes; send one of ${INPUT_MESSAGE_TYPES.join(", ")}.`,
      );
    }
    if (!this.deserialize) {
      return refuse(
        "no_deserializer",
        `frame ${seq}: a serialized ${frame.type} arrived but the pipeline has no deserialize ` +
          "option; create it with deserialize (e.g. the CDR decoder from src/messages).",
      );
    }
    let message;
    try {
      message = this.deserialize(frame.type, frame.data);
    } catch (err) {
      return refuse(
        "deserialize_failed",
        `frame ${seq}: its ${frame.type} bytes (${frame.data.byteLength} bytes) could not be ` +
          `decoded: ${(err as Error)?.message ?? String(err)}. Check the topic's type and that ` +
          "the publisher sends CDR.",
      );
    }
    if (!(message?.data instanceof Uint8Array)) {
      return refuse(
        "deserialize_failed",
        `frame ${seq}: the deserializer returned a ${frame.type} without Uint8Array data.`,
        message?.header,
      );
    }
    return { ok: true, frame: decodedFrame(frame.type, message) };
  }
}

function finishResult(
  item: Accepted,
  result: WorkerResult,
  decodeMs: number,
  now: number,
): ClassificationResult {
  const total = now - item.arrival;
  const w = result.timings;
  const queue = Math.max(
    0,
    total - decodeMs - w.preprocess - w.encode - w.engine - w.readout - w.power,
  );
  return {
    ...result,
    seq: item.seq,
    timings: { queue, decode: decodeMs, ...w, total },
  };
}

function validateOptions(options: PipelineOptions): void {
  if (typeof options?.model !== "string" || options.model === "") {
    throw new TypeError(
      "createPipeline: options.model must be the path of a model directory (model.json + weights.bin).",
    );
  }
  const cap = options.queueCapacity;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
    throw new RangeError(
      `createPipeline: queueCapacity must be an integer >= 1 (got ${String(cap)}); 1 keeps only the newest waiting frame.`,
    );
  }
  const t = options.timesteps;
  if (t !== undefined && (!Number.isInteger(t) || t < 1)) {
    throw new RangeError(`createPipeline: timesteps must be an integer >= 1 (got ${String(t)}).`);
  }
  const dt = options.dt;
  if (dt !== undefined && !(Number.isFinite(dt) && dt > 0)) {
    throw new RangeError(
      `createPipeline: dt must be a positive number of seconds, e.g. 0.001 (got ${String(dt)}).`,
    );
  }
  if (options.continuous) {
    const min = options.continuous.minTicks ?? 1;
    validateContinuousTicks({
      minTicks: min,
      maxTicks: options.continuous.maxTicks ?? Math.max(min, t ?? min),
    });
  }
  const k = options.topK;
  if (k !== undefined && (!Number.isInteger(k) || k < 1)) {
    throw new RangeError(`createPipeline: topK must be an integer >= 1 (got ${String(k)}).`);
  }
  const px = options.maxImagePixels;
  if (px !== undefined && (!Number.isInteger(px) || px < 1)) {
    throw new RangeError(
      `createPipeline: maxImagePixels must be an integer >= 1 (got ${String(px)}).`,
    );
  }
  const w = options.rateWindowMs;
  if (w !== undefined && !(w > 0)) {
    throw new RangeError(`createPipeline: rateWindowMs must be positive (got ${String(w)}).`);
  }
  const fps = options.frameRate;
  if (fps !== undefined && !(fps > 0 && Number.isFinite(fps))) {
    throw new RangeError(
      `createPipeline: frameRate must be a positive number of frames per second (got ${String(fps)}).`,
    );
  }
}
