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
  /** The running pipeline's worker crashed or was restarted (the pipeline restarts it itself). */
  worker(event: WorkerEvent, info: PipelineInfo): void;
  error(line: string): void;
}

interface Attached {
  pipeline: Pipeline;
  key: string;
  info: PipelineInfo;
  /** The parameter values this pipeline was built from (to restore them if a change fails). */
  params: NodeParams;
  subscriptions: RxSubscription[];
  closed?: Promise<void>;
}

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

  constructor(
    private readonly options: SupervisorOptions,
    private readonly events: SupervisorEvents,
  ) {}

  /** The first pipeline, for `params`; throws NodeStartError naming what to fix. */
  async start(params: NodeParams): Promise<PipelineInfo> {
    const model = this.options.modelFor(params.model);
    const options = pipelineOptions(params, model, this.options.deserialize);
    let pipeline: Pipeline;
    let info: PipelineInfo;
    try {
      pipeline = this.options.createPipeline(options);
    } catch (err) {
      throw new NodeStartError(`the pipeline refused its options: ${message(err)}`, { cause: err });
    }
    try {
      info = await pipeline.ready();
    } catch (err) {
      await pipeline.close({ drain: false, timeoutMs: 1000 }).catch(() => undefined);
      throw new NodeStartError(
        `model "${params.model}" (${model.dir}) could not be loaded: ${message(err)}`,
        { cause: err },
      );
    }
    this.attach(pipeline, pipelineKey(options), info, params);
    return info;
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
    this.rebuildChain = this.rebuildChain
      .then(() => this.rebuild({ ...params() }))
      .catch((err: unknown) => {
        this.events.error(`rebuilding the pipeline failed: ${message(err)}`);
      });
  }

  /** The running pipeline's facts and the parameters it was built from. */
  running(): { info: PipelineInfo; params: NodeParams } | undefined {
    return this.current && { info: this.current.info, params: this.current.params };
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

  private attach(pipeline: Pipeline, key: string, info: PipelineInfo, params: NodeParams): void {
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
          if (attached === this.current) this.events.worker(e, attached.info);
        }),
      );
    this.current = attached;
  }

  private onPipelineDied(attached: Attached, err: unknown): void {
    if (attached !== this.current || this.stopped) return;
    this.current = undefined;
    void this.retire(attached);
    this.events.died(`the pipeline stopped: ${message(err)}`);
  }

  /** Builds a pipeline for `params` beside the running one, then swaps them. */
  private async rebuild(params: NodeParams): Promise<void> {
    if (this.stopped) return;
    let model: ModelInfo;
    try {
      model = this.options.modelFor(params.model);
    } catch (err) {
      this.events.cannotApply(message(err), this.current?.params);
      return;
    }
    const options = pipelineOptions(params, model, this.options.deserialize);
    const key = pipelineKey(options);
    if (this.current && this.current.key === key) return;
    let next: Pipeline;
    let info: PipelineInfo;
    try {
      next = this.options.createPipeline(options);
    } catch (err) {
      this.events.cannotApply(message(err), this.current?.params);
      return;
    }
    try {
      info = await next.ready();
    } catch (err) {
      await next.close({ drain: false, timeoutMs: 1000 }).catch(() => undefined);
      this.events.cannotApply(message(err), this.current?.params);
      return;
    }
    if (this.stopped) {
      await next.close({ drain: false, timeoutMs: 1000 });
      return;
    }
    const old = this.current;
    this.attach(next, key, info, params);
    this.events.replaced(info, old?.info);
    if (old) await this.retire(old);
  }

  /** Lets a pipeline finish its accepted frames (their results are still published), then counts it. */
  private retire(attached: Attached): Promise<void> {
    attached.closed ??= (async () => {
      this.closing.add(attached);
      if (this.current === attached) this.current = undefined;
      try {
        await attached.pipeline.close({ drain: true, timeoutMs: this.options.closeTimeoutMs });
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
