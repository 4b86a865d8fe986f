/**
 * The node's pipelines over its life: the first one built for the parameters, a replacement
 * built beside the running one when a parameter asks for it (swapped in only once its model has
 * loaded), a restart when one dies, every retired one drained (its accepted frames still
 * published) and its counts kept, so stats() covers every pipeline the node ran. rcl-free; the
 * core (node-core.ts) owns the parameters and says what to build.
 */
import type { Subscription as RxSubscription } from "rxjs";
import type { InputMessageType } from "../stream/input-kinds.js";
import type {
  ClassificationResult,
  EventStreamStats,
  FrameError,
  Pipeline,
  PipelineInfo,
  PipelineStats,
  WorkerEvent,
} from "../stream/types.js";
import type { ModelInfo } from "./model-info.js";
import { NodeStartError, message } from "./node-errors.js";
import type { NodeParams } from "./parameters.js";
import {
  pipelineKey,
  pipelineOptions,
  type Deserializer,
  type PipelineFactory,
} from "./pipeline-options.js";

export interface SupervisorOptions {
  createPipeline: PipelineFactory;
  deserialize: Deserializer;
  /** Longest wait for frames in flight when retiring a pipeline. */
  closeTimeoutMs: number;
  /** The model a `model` value names; throws NodeStartError with the reason it cannot. */
  modelFor(value: string): ModelInfo;
}

/** What the supervisor reports to the core. */
export interface SupervisorEvents {
  result(result: ClassificationResult): void;
  frameError(error: FrameError): void;
  /** A rebuild's pipeline now runs `info`; `previous` ran before it (none after a restart). */
  replaced(info: PipelineInfo, previous: PipelineInfo | undefined): void;
  /** A rebuild could not be made; `running` are the parameters of the pipeline that still runs. */
  cannotApply(reason: string, running: NodeParams | undefined): void;
  /** The running pipeline failed; a new one is being built. */
  died(reason: string): void;
  /** A launched pipeline has loaded its model and classifies. */
  loaded(info: PipelineInfo): void;
  /** A launched pipeline could not load its model: it is retired, no pipeline runs. */
  loadFailed(reason: string): void;
  /** The running pipeline's worker crashed or was restarted (the pipeline restarts it itself). */
  worker(event: WorkerEvent, info: PipelineInfo): void;
  error(line: string): void;
}

interface Attached {
  pipeline: Pipeline;
  key: string;
  /** Once its model has loaded. */
  info?: PipelineInfo;
  /** The parameter values this pipeline was built from (to restore them if a change fails). */
  params: NodeParams;
  subscriptions: RxSubscription[];
  closed?: Promise<void>;
}

/** What a rebuild came to: the pipeline now running, or why none was swapped in. */
export type RebuildOutcome =
  | { ok: true; info: PipelineInfo; unchanged?: false }
  /** Nothing to do: the running pipeline (perhaps still loading its model) is built so already. */
  | { ok: true; info: PipelineInfo | undefined; unchanged: true }
  | { ok: false; reason: string };

const ZERO_STATS: PipelineStats = {
  received: 0,
  processed: 0,
  dropped: 0,
  errors: 0,
  errorsByReason: {},
  waiting: 0,
  inFlight: 0,
};

export class PipelineSupervisor {
  private current?: Attached;
  private readonly closing = new Set<Attached>();
  private retired: PipelineStats = { ...ZERO_STATS, errorsByReason: {} };
  /** Frames that arrived while no pipeline was working, or that push() threw on. */
  private unattachedDrops = 0;
  private pushFailures = 0;
  private rebuildChain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Changes with every launch and suspend: a rebuild begun in another epoch is discarded. */
  private epoch = 0;

  constructor(
    private readonly options: SupervisorOptions,
    private readonly events: SupervisorEvents,
  ) {}

  /**
   * Starts a pipeline for `params` now and takes frames at once (they wait in it for the model).
   * Throws NodeStartError when the pipeline refuses its options; the promise settles when the
   * model has loaded, or rejects with NodeStartError naming why it could not (the pipeline is
   * then retired, and `loadFailed` reported).
   */
  launch(params: NodeParams): Promise<PipelineInfo> {
    this.epoch += 1;
    const model = this.options.modelFor(params.model);
    const options = pipelineOptions(params, model, this.options.deserialize);
    let pipeline: Pipeline;
    try {
      pipeline = this.options.createPipeline(options);
    } catch (err) {
      throw new NodeStartError(`the pipeline refused its options: ${message(err)}`, { cause: err });
    }
    const attached = this.attach(pipeline, pipelineKey(options), params);
    return pipeline.ready().then(
      (info) => {
        attached.info = info;
        if (attached === this.current) this.events.loaded(info);
        return info;
      },
      async (err: unknown) => {
        const reason = `model "${params.model}" (${model.dir}) could not be loaded: ${message(err)}`;
        const wasCurrent = attached === this.current;
        await this.retire(attached, { drain: false, timeoutMs: 1000 });
        if (wasCurrent) this.events.loadFailed(reason);
        throw new NodeStartError(reason, { cause: err });
      },
    );
  }

  /**
   * Takes no more frames until the next launch: the running pipeline and any rebuild in
   * progress are retired (accepted frames finish; their results still come through `result`).
   * Resolves once every pipeline has drained.
   */
  async suspend(): Promise<void> {
    this.epoch += 1;
    const all = [...this.closing, ...(this.current ? [this.current] : [])];
    this.current = undefined;
    await Promise.all([...all.map((a) => this.retire(a)), this.rebuildChain]);
  }

  /** Hands a frame's CDR bytes to the running pipeline; counts it when none takes it. */
  push(type: InputMessageType, data: Uint8Array): void {
    const target = this.current;
    if (!target) {
      this.unattachedDrops += 1;
      return;
    }
    try {
      target.pipeline.push({ kind: "serialized", type, data });
    } catch (err) {
      this.pushFailures += 1;
      throw err;
    }
  }

  /** After the chain of rebuilds already asked for: a pipeline for `params()` as they are then. */
  rebuildFor(params: () => NodeParams): void {
    void this.chain(() => this.rebuild({ ...params() }));
  }

  /**
   * After the rebuilds already asked for: a new pipeline for `params` even when it would be
   * built exactly as the running one (its model files re-read), swapped in once loaded. Resolves
   * with what happened; on failure the running pipeline stays (cannotApply is reported too).
   */
  reload(params: NodeParams): Promise<RebuildOutcome> {
    return this.chain(() => this.rebuild({ ...params }, true));
  }

  private chain(step: () => Promise<RebuildOutcome>): Promise<RebuildOutcome> {
    const next = this.rebuildChain.then(step).catch((err: unknown): RebuildOutcome => {
      this.events.error(`rebuilding the pipeline failed: ${message(err)}`);
      return { ok: false, reason: message(err) };
    });
    this.rebuildChain = next.then(() => undefined);
    return next;
  }

  /** The running pipeline's facts and the parameters it was built from. */
  running(): { info: PipelineInfo; params: NodeParams } | undefined {
    const c = this.current;
    return c?.info && { info: c.info, params: c.params };
  }

  /** Whether a pipeline takes frames now (loaded or still loading its model). */
  attached(): boolean {
    return this.current !== undefined;
  }

  /** Builds no more; waits for the rebuild in progress, then drains and retires every pipeline. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.rebuildChain;
    const all = [...this.closing, ...(this.current ? [this.current] : [])];
    await Promise.all(all.map((a) => this.retire(a)));
  }

  /** Startup failed: retire the pipeline, if one was built. */
  async abandon(): Promise<void> {
    this.stopped = true;
    if (this.current) await this.retire(this.current);
  }

  /** Frames in, classified, dropped and refused, over every pipeline run. */
  stats(): PipelineStats {
    let total = this.retired;
    for (const a of this.closing) total = addStats(total, a.pipeline.stats());
    if (this.current) total = addStats(total, this.current.pipeline.stats());
    if (this.unattachedDrops === 0 && this.pushFailures === 0) return total;
    const errorsByReason = { ...total.errorsByReason };
    if (this.pushFailures > 0)
      errorsByReason.push_failed = (errorsByReason.push_failed ?? 0) + this.pushFailures;
    // A frame push() threw on was counted as received by the pipeline; one that found no
    // pipeline never reached one.
    const droppedByReason = { ...total.droppedByReason };
    if (this.unattachedDrops > 0)
      droppedByReason.no_pipeline = (droppedByReason.no_pipeline ?? 0) + this.unattachedDrops;
    return {
      ...total,
      droppedByReason,
      received: total.received + this.unattachedDrops,
      dropped: total.dropped + this.unattachedDrops,
      errors: total.errors + this.pushFailures,
      errorsByReason,
    };
  }

  private attach(
    pipeline: Pipeline,
    key: string,
    params: NodeParams,
    info?: PipelineInfo,
  ): Attached {
    const attached: Attached = { pipeline, key, info, params: { ...params }, subscriptions: [] };
    const died = (err: unknown) => this.onPipelineDied(attached, err);
    attached.subscriptions.push(
      pipeline.results$.subscribe({ next: (r) => this.events.result(r), error: died }),
      pipeline.errors$.subscribe({ next: (e) => this.events.frameError(e), error: died }),
    );
    // Only the running pipeline's worker speaks for the node; a retiring one drains quietly.
    if (pipeline.workerEvents$)
      attached.subscriptions.push(
        pipeline.workerEvents$.subscribe((e) => {
          if (attached === this.current && attached.info) this.events.worker(e, attached.info);
        }),
      );
    this.current = attached;
    return attached;
  }

  private onPipelineDied(attached: Attached, err: unknown): void {
    if (attached !== this.current || this.stopped) return;
    this.current = undefined;
    void this.retire(attached);
    this.events.died(`the pipeline stopped: ${message(err)}`);
  }

  /** Builds a pipeline for `params` beside the running one, then swaps them. */
  private async rebuild(params: NodeParams, force = false): Promise<RebuildOutcome> {
    const gone: RebuildOutcome = { ok: false, reason: "the node stopped classifying meanwhile" };
    if (this.stopped) return gone;
    const epoch = this.epoch;
    const refuse = (err: unknown): RebuildOutcome => {
      this.events.cannotApply(message(err), this.current?.params);
      return { ok: false, reason: message(err) };
    };
    let model: ModelInfo;
    try {
      model = this.options.modelFor(params.model);
    } catch (err) {
      return refuse(err);
    }
    const options = pipelineOptions(params, model, this.options.deserialize);
    const key = pipelineKey(options);
    if (!force && this.current && this.current.key === key)
      return { ok: true, info: this.current.info, unchanged: true };
    let next: Pipeline;
    let info: PipelineInfo;
    try {
      next = this.options.createPipeline(options);
    } catch (err) {
      return refuse(err);
    }
    try {
      info = await next.ready();
    } catch (err) {
      await next.close({ drain: false, timeoutMs: 1000 }).catch(() => undefined);
      return refuse(err);
    }
    if (this.stopped || epoch !== this.epoch) {
      await next.close({ drain: false, timeoutMs: 1000 });
      return gone;
    }
    const old = this.current;
    this.attach(next, key, params, info);
    this.events.replaced(info, old?.info);
    if (old) await this.retire(old);
    return { ok: true, info };
  }

  /** Lets a pipeline finish its accepted frames (their results are still published), then counts it. */
  private retire(
    attached: Attached,
    how: { drain: boolean; timeoutMs?: number } = { drain: true },
  ): Promise<void> {
    attached.closed ??= (async () => {
      this.closing.add(attached);
      if (this.current === attached) this.current = undefined;
      try {
        await attached.pipeline.close({
          drain: how.drain,
          timeoutMs: how.timeoutMs ?? this.options.closeTimeoutMs,
        });
      } catch (err) {
        this.events.error(`closing a pipeline failed: ${message(err)}`);
      }
      for (const s of attached.subscriptions) s.unsubscribe();
      this.retired = addStats(this.retired, attached.pipeline.stats());
      this.closing.delete(attached);
    })();
    return attached.closed;
  }
}

function addStats(a: PipelineStats, b: PipelineStats): PipelineStats {
  const errorsByReason = { ...a.errorsByReason };
  for (const [k, v] of Object.entries(b.errorsByReason))
    errorsByReason[k] = (errorsByReason[k] ?? 0) + v;
  return {
    received: a.received + b.received,
    processed: a.processed + b.processed,
    dropped: a.dropped + b.dropped,
    errors: a.errors + b.errors,
    errorsByReason,
    ...(a.droppedByReason || b.droppedByReason
      ? { droppedByReason: addCounts(a.droppedByReason ?? {}, b.droppedByReason ?? {}) }
      : {}),
    waiting: a.waiting + b.waiting,
    inFlight: a.inFlight + b.inFlight,
    ...(a.events || b.events ? { events: addEventStats(a.events, b.events) } : {}),
  };
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function addEventStats(
  a: EventStreamStats | undefined,
  b: EventStreamStats | undefined,
): EventStreamStats {
  if (!a) return b!;
  if (!b) return a;
  return {
    packets: a.packets + b.packets,
    badPackets: a.badPackets + b.badPackets,
    problemsByReason: addCounts(a.problemsByReason, b.problemsByReason),
    events: a.events + b.events,
    eventsDropped: a.eventsDropped + b.eventsDropped,
    eventsInDroppedWindows: a.eventsInDroppedWindows + b.eventsInDroppedWindows,
    windowsDropped: addCounts(a.windowsDropped, b.windowsDropped),
    windowsSkipped: a.windowsSkipped + b.windowsSkipped,
  };
}
