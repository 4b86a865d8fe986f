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
  type WorkerFrame,
} from "./input-kinds.js";
import type { WorkerConfig, WorkerResult } from "./protocol.js";
import { validateContinuousTicks } from "./presentation.js";
import { EVENT_PACKET_TYPE, EventPacketStage, type PacketInput } from "./event-packets.js";
import type { EventWindow } from "./event-windows.js";
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
  WorkerEvent,
} from "./types.js";
import { INJECT_WORKER_FAULT, type InjectableFault } from "./fault-injection.js";
import { WorkerHost } from "./worker-host.js";

interface Accepted {
  seq: number;
  frame: FrameInput | { kind: "window"; message: EventWindow };
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
  readonly workerEvents$: Observable<WorkerEvent>;

  private readonly workerEventsSubject = new Subject<WorkerEvent>();
  private readonly resultsSubject = new Subject<ClassificationResult>();
  private readonly errorsSubject = new Subject<FrameError>();
  private readonly input = new Subject<Accepted>();
  private readonly host: WorkerHost;
  private readonly output: Subscription;
  private readonly finished: Promise<void>;
  private readonly capacity: number;
  private readonly transfer: boolean;
  private readonly heapLimited: boolean;
  private readonly deserialize: PipelineOptions["deserialize"];
  private readonly eventOptions: NonNullable<PipelineOptions["events"]>;
  /** Event input: built on the first packet. */
  private eventStage: EventPacketStage | undefined;

  private received = 0;
  private processed = 0;
  private dropped = 0;
  private errors = 0;
  private readonly errorsByReason: Record<string, number> = {};
  private readonly droppedByReason: Record<string, number> = {};
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
    this.heapLimited = options.workerMaxHeapMb !== undefined;
    this.eventOptions = options.events ?? {};
    this.results$ = this.resultsSubject.asObservable();
    this.errors$ = this.errorsSubject.asObservable();
    this.workerEvents$ = this.workerEventsSubject.asObservable();

    const { deserialize: _d, transfer: _t, queueCapacity: _q, ...config } = options;
    this.host = new WorkerHost(config satisfies WorkerConfig, (event) =>
      this.workerEventsSubject.next(event),
    );

    let resolveFinished!: () => void;
    this.finished = new Promise<void>((resolve) => (resolveFinished = resolve));
    this.output = this.input
      .pipe(
        latestWins((item: Accepted) => this.work(item), {
          capacity: this.capacity,
          onDrop: (item, cause) => {
            this.drop(cause === "overflow" ? "behind" : "closing");
            if (item.frame.kind === "window")
              this.eventStage?.windowDropped(
                item.frame.message,
                cause === "overflow" ? "behind" : "closing",
              );
          },
          onQueueLength: (waiting, busy) => {
            this.waiting = waiting;
            this.inFlight = busy ? 1 : 0;
            if (this.eventStage ? waiting === 0 : waiting < this.capacity) this.wakeRoomWaiters();
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
    if (isPacket(frame)) {
      if (this.closing) {
        // Not a window yet: counted with the packets, not the frames.
        const stage = this.events();
        stage.stats.packets += 1;
        stage.stats.problemsByReason.closed = (stage.stats.problemsByReason.closed ?? 0) + 1;
        return;
      }
      this.events().push(frame);
      return;
    }
    const seq = this.received;
    this.received += 1;
    if (this.closing) {
      this.drop("closing");
      return;
    }
    this.input.next({ seq, frame, arrival: performance.now() });
  }

  /** The event side, built on the first packet: it waits for the worker's window length. */
  private events(): EventPacketStage {
    if (this.eventStage) return this.eventStage;
    const stage = new EventPacketStage(this.eventOptions, this.deserialize, {
      window: (window) => {
        const seq = this.received;
        this.received += 1;
        this.input.next({
          seq,
          frame: { kind: "window", message: window },
          arrival: performance.now(),
        });
      },
      problem: (p) =>
        this.errorsSubject.next({ seq: p.packet, reason: p.reason, message: p.message }),
    });
    this.eventStage = stage;
    this.eventsReady = this.host.ready().then(
      (info) => {
        if (info.events) stage.start(info.events.windowNs);
        else
          stage.fail(
            "not_an_event_model",
            `model ${info.modelName} reads frames (its encoder is "${info.encoder}"), not events; use a model with an "events" (or one-channel "delta") encoder`,
          );
      },
      (err: unknown) =>
        stage.fail(
          "model_unavailable",
          `not classified because the model could not be loaded: ${(err as Error)?.message ?? String(err)}`,
        ),
    );
    return stage;
  }

  private eventsReady: Promise<void> | undefined;

  stats(): PipelineStats {
    return {
      ...(this.eventStage ? { events: this.eventStage.snapshot() } : {}),
      received: this.received,
      processed: this.processed,
      dropped: this.dropped,
      errors: this.errors,
      errorsByReason: { ...this.errorsByReason },
      droppedByReason: { ...this.droppedByReason },
      waiting: this.waiting,
      inFlight: this.inFlight,
    };
  }

  ready(): Promise<PipelineInfo> {
    return this.host.ready();
  }

  capacityAvailable(): Promise<void> {
    // Packets wait for the model before they become windows: so does a source that must not
    // lose any (the held packets would turn into a burst of windows at once).
    if (this.eventStage && !this.eventStage.started && !this.closing && this.eventsReady)
      return this.eventsReady.then(() => this.capacityAvailable());
    // An event packet may close several windows at once (a silence): wait for an empty queue.
    const room = this.eventStage ? this.waiting === 0 : this.waiting < this.capacity;
    if (this.closing || room) return Promise.resolve();
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
    if (this.eventStage) {
      // Packets held while the model loads go through first; then the open window.
      await this.eventsReady;
      this.eventStage.finish();
    }
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
      this.drop("timeout", stuck);
      this.inFlight = 0;
      this.waiting = 0;
    }
    await this.host.terminate();
    this.resultsSubject.complete();
    this.errorsSubject.complete();
    this.workerEventsSubject.complete();
  }

  private drop(reason: string, n = 1): void {
    if (n <= 0) return;
    this.dropped += n;
    this.droppedByReason[reason] = (this.droppedByReason[reason] ?? 0) + n;
  }

  /** Tests only: see fault-injection.ts. */
  [INJECT_WORKER_FAULT](fault: InjectableFault): void {
    if (fault === "out_of_memory" && !this.heapLimited)
      throw new Error(
        'injectWorkerFault: "out_of_memory" needs a pipeline created with workerMaxHeapMb; without a limit the worker would take the whole machine\'s memory first',
      );
    this.host.armFault(fault);
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
        this.drop("closing");
        if (item.frame.kind === "window")
          this.eventStage?.windowDropped(item.frame.message, "closing");
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
      let toWorker: WorkerFrame;
      let transfer: ArrayBuffer[];
      if (frame.kind === "window") {
        const w = frame.message;
        toWorker = frame;
        // The window's arrays are its own copies: moved, never shared.
        transfer = this.transfer
          ? [w.x.buffer, w.y.buffer, w.polarity.buffer, w.tOffsetNs.buffer].filter(
              (b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0,
            )
          : [];
      } else {
        const owner = item.frame.kind === "serialized" ? item.frame.data : undefined;
        const handed = handOver(frame.message.data, this.transfer, owner);
        toWorker = withData(frame, handed.data);
        transfer = handed.transfer;
      }
      this.host.process(item.seq, toWorker, transfer, (reply) => {
        const now = performance.now();
        if (reply.ok) {
          subscriber.next({
            ok: true,
            result: finishResult(item, reply.result, decodeMs, now),
          });
        } else if (reply.abandoned) {
          // Counted here when the host says why; without a reason the closing path counts it.
          if (reply.reason) this.drop(reply.reason);
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
  ):
    | { ok: true; frame: Exclude<DecodedFrame, { kind: "events" }> | WorkerFrame }
    | { ok: false; error: FrameError } {
    const { frame, seq } = item;
    if (frame.kind === "window") return { ok: true, frame };
    const refuse = (reason: string, message: string, header?: Header) => ({
      ok: false as const,
      error: { seq, header, reason, message },
    });
    // The kinds come from INPUT_KINDS; a caller without types may still pass anything.
    if ((INPUT_FRAME_KINDS as readonly string[]).includes(frame.kind)) {
      const decoded = frame as Exclude<DecodedFrame, { kind: "events" }>;
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
    if (
      !("data" in (message ?? {})) ||
      !((message as { data?: unknown }).data instanceof Uint8Array)
    ) {
      return refuse(
        "deserialize_failed",
        `frame ${seq}: the deserializer returned a ${frame.type} without Uint8Array data.`,
        message?.header,
      );
    }
    const result = decodedFrame(frame.type, message);
    if (result.kind === "events") {
      // Routed to the event stage in push(); a packet cannot reach here.
      return refuse("invalid_frame", `frame ${seq}: an event packet reached the frame path`);
    }
    return { ok: true, frame: result };
  }
}

/** An event packet, decoded or as CDR: it goes to the event stage, not the frame queue. */
function isPacket(frame: FrameInput): frame is PacketInput & FrameInput {
  return (
    frame?.kind === "events" || (frame?.kind === "serialized" && frame.type === EVENT_PACKET_TYPE)
  );
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

/** The checks createPipeline makes on its options before it starts a worker. */
export function validateOptions(options: PipelineOptions): void {
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
  const heap = options.workerMaxHeapMb;
  if (heap !== undefined && (!Number.isInteger(heap) || heap < 16)) {
    throw new RangeError(
      `createPipeline: workerMaxHeapMb must be a whole number of MiB, at least 16 (got ${String(heap)}); leave it out for Node's default.`,
    );
  }
  const backoff = options.restartBackoff;
  for (const key of ["initialMs", "maxMs"] as const) {
    const v = backoff?.[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(
        `createPipeline: restartBackoff.${key} must be a number of milliseconds >= 0 (got ${String(v)}).`,
      );
    }
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
