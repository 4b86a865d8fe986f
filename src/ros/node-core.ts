/**
 * The node without rclnodejs: the parameters in force and their checks, the pipelines it runs
 * (pipeline-supervisor.ts: built, replaced beside the running one when a parameter asks,
 * restarted when one dies, drained at shutdown), health, and the messages it publishes for each
 * result. The shell (spikenode-node.ts) owns everything rcl: declarations, publishers, the image
 * subscription, the timer, spinning. It hands the core serialized frames and parameter changes,
 * and gives it a `CoreHost` to publish, log and restore parameters through.
 *
 * States are explicit so that a managed (lifecycle) node differs only in when it calls these:
 *
 *   unconfigured ──configure()──▶ inactive ──activate()──▶ active
 *        │                          │                        │
 *        └──────────────── shutdown() / abandon() ───────────┴──▶ finalized
 *
 * configure() builds the first pipeline and publishes the class map; activate() starts acting
 * on parameter changes (a value set while not active is only recorded, as a declaration's
 * initial value is). Frames are taken in any state while a pipeline runs, counted as dropped
 * when none does; the shell decides when frames come (today: subscribed once configured).
 */
import { labelInfoMessage, RESULT_OUTPUTS, resultMessages } from "../messages/results.js";
import type { InputMessageType } from "../stream/input-kinds.js";
import type { ClassificationResult, PipelineInfo, PipelineStats } from "../stream/types.js";
import {
  DEFAULT_THRESHOLDS,
  HealthMonitor,
  LEVEL,
  diagnosticArray,
  type HealthThresholds,
  type Level,
} from "./diagnostics.js";
import type { ModelInfo } from "./model-info.js";
import { NodeStartError, ThrottledLog, message } from "./node-errors.js";
import {
  PARAM_SPECS,
  SPEC_BY_NAME,
  checkParameters,
  defaultParams,
  type NodeParams,
  type ParamEffect,
  type ParamName,
} from "./parameters.js";
import type { Deserializer, PipelineFactory } from "./pipeline-options.js";
import { PipelineSupervisor } from "./pipeline-supervisor.js";
import type { RosTime } from "./rcl-types.js";
import { OUTPUTS, type OutputName } from "./topics.js";
import { WorkerHealth } from "./worker-health.js";

export { NodeStartError } from "./node-errors.js";

export type CoreState = "unconfigured" | "inactive" | "active" | "finalized";

/** What the core needs from the world around it; the shell implements it with rclnodejs. */
export interface CoreHost {
  /** Serialize and publish `message` on the output; throws when that fails (the core logs it). */
  publish(name: OutputName, message: object): void;
  /** ROS time now, for the stamps of the class map and diagnostics. */
  now(): RosTime;
  /**
   * Put these parameter values back through the parameter service, so `ros2 param get` shows
   * what runs; the changes come back through checkChange/applyChange while `reverting`.
   */
  restoreParameters(values: Partial<NodeParams>): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export interface CoreOptions {
  /** Builds the pipeline for a set of options (createPipeline from src/stream). */
  createPipeline: PipelineFactory;
  /** How a `model` value becomes a model directory; a string is the reason it cannot. */
  resolveModel: (value: string) => ModelInfo | string;
  /** Decodes the CDR bytes of frames (the pipeline's deserialize option). */
  deserialize: Deserializer;
  /** Profile names to accept for power_profile; undefined: any non-empty name. */
  powerProfiles?: readonly string[];
  thresholds?: Partial<HealthThresholds>;
  /** Longest wait for frames in flight at shutdown or when replacing the pipeline. */
  closeTimeoutMs: number;
  /** Monotonic milliseconds. */
  clock: () => number;
  /** The diagnostics status name, e.g. "spikenode: classifier". */
  statusName: string;
}

export interface ShutdownSummary extends PipelineStats {
  /** Frames accepted but neither classified, refused nor counted dropped (should be 0). */
  unfinished: number;
}

const LOG_EVERY_MS = 5000;

export class SpikenodeCore {
  private stateNow: CoreState = "unconfigured";
  private params: NodeParams = defaultParams();
  private stopRequested = false;
  private stopping?: Promise<ShutdownSummary>;
  private reverting = false;
  private lastModel?: { value: string; info: ModelInfo };
  private readonly monitor: HealthMonitor;

  private imageType: InputMessageType = "sensor_msgs/msg/Image";
  private imageTopic = "";
  private readonly supervisor: PipelineSupervisor;

  private lastFrameAt?: number;
  private failure?: string;
  private applyProblem?: string;
  private lastLevel: Level = LEVEL.OK;
  private readonly workerHealth = new WorkerHealth();
  private readonly log: ThrottledLog;

  constructor(
    private readonly options: CoreOptions,
    private readonly host: CoreHost,
  ) {
    this.monitor = new HealthMonitor(options.clock(), {
      ...DEFAULT_THRESHOLDS,
      ...options.thresholds,
    });
    this.log = new ThrottledLog(options.clock, LOG_EVERY_MS);
    this.supervisor = new PipelineSupervisor(
      {
        createPipeline: options.createPipeline,
        deserialize: options.deserialize,
        closeTimeoutMs: options.closeTimeoutMs,
        modelFor: (value) => this.modelFor(value),
      },
      {
        result: (r) => this.onResult(r),
        frameError: (e) =>
          this.log.write(
            `frame:${e.reason}`,
            `frame ${e.seq} refused (${e.reason}): ${e.message}`,
            host.warn,
          ),
        replaced: (info, previous) => this.replaced(info, previous),
        cannotApply: (reason, running) => this.cannotApply(reason, running),
        died: (reason) => {
          this.failure = reason;
          host.error(`${reason}; restarting it`);
          this.supervisor.rebuildFor(() => this.params);
        },
        worker: (event, info) => {
          const { level, line } = this.workerHealth.onEvent(event, info.modelName);
          host[level](line);
          // At once, not at the next tick: a restart may take less than the report period,
          // and whoever watches /diagnostics must see the crash.
          this.publishDiagnostics();
        },
        error: host.error,
      },
    );
  }

  get state(): CoreState {
    return this.stateNow;
  }

  // --- parameters -------------------------------------------------------------------------

  /**
   * Whether a proposed set of values may be applied: null, or the reason it is refused (the
   * parameter, the value, what is allowed). Values of names that are not ours are ignored.
   */
  checkChange(proposed: Partial<Record<string, unknown>>): string | null {
    const ours: Partial<Record<ParamName, unknown>> = {};
    let any = false;
    for (const [name, value] of Object.entries(proposed)) {
      if (!SPEC_BY_NAME.has(name)) continue;
      ours[name as ParamName] = value;
      any = true;
    }
    if (!any) return null;
    if (this.stopRequested) return "the node is shutting down";
    const resolved: { model?: ModelInfo } = {};
    const reason = checkParameters(
      ours,
      { resolveModel: this.options.resolveModel, powerProfiles: this.options.powerProfiles },
      resolved,
    );
    if (reason) {
      this.host.warn(`refused parameter change: ${reason}`);
      return reason;
    }
    // The check resolved the model once; the rebuild reuses that resolution.
    if (resolved.model && typeof ours.model === "string") {
      this.lastModel = { value: ours.model, info: resolved.model };
    }
    return null;
  }

  /**
   * Takes values that passed checkChange (in the node's representation, see fromRosValue).
   * Returns what the change asks of the shell: "subscription" when the image topic or its
   * transport changed while active (the pipeline rebuild the core schedules itself).
   */
  applyChange(values: Partial<NodeParams>): ReadonlySet<ParamEffect> {
    const effects = new Set<ParamEffect>();
    const changes: string[] = [];
    const active = this.stateNow === "active";
    for (const [name, value] of Object.entries(values) as [ParamName, unknown][]) {
      const spec = SPEC_BY_NAME.get(name);
      if (!spec) continue;
      const before = this.params[spec.name];
      (this.params as unknown as Record<string, unknown>)[spec.name] = value;
      if (active && before !== value) {
        effects.add(spec.effect);
        changes.push(`${spec.name}=${JSON.stringify(value)}`);
      }
    }
    if (!active || effects.size === 0) return effects;
    if (!this.reverting) {
      this.applyProblem = undefined;
      this.host.info(`parameters changed: ${changes.join(", ")}`);
    }
    if (effects.has("pipeline")) this.supervisor.rebuildFor(() => this.params);
    return effects;
  }

  /** The parameter values in force (after any refused change: the old ones). */
  parameters(): Readonly<NodeParams> {
    return { ...this.params };
  }

  private modelFor(value: string): ModelInfo {
    if (this.lastModel?.value === value) return this.lastModel.info;
    const model = this.options.resolveModel(value);
    if (typeof model === "string") throw new NodeStartError(model);
    this.lastModel = { value, info: model };
    return model;
  }

  // --- states -----------------------------------------------------------------------------

  /**
   * unconfigured → inactive: loads the model into a pipeline for the parameters in force and
   * publishes the class map. Throws NodeStartError naming what to fix.
   */
  async configure(): Promise<PipelineInfo> {
    this.expectState("configure", "unconfigured");
    const info = await this.supervisor.start(this.params);
    this.failure = undefined;
    this.publishLabelInfo(info.labels);
    this.stateNow = "inactive";
    return info;
  }

  /** inactive → active: parameter changes now rebuild the pipeline and move the subscription. */
  activate(): void {
    this.expectState("activate", "inactive");
    this.stateNow = "active";
  }

  /**
   * Any state → finalized: refuses further changes, lets the frames already accepted finish
   * (their results are published; after closeTimeoutMs the rest are counted as dropped),
   * publishes a last diagnostics report. The shell stops the frames coming first. Safe to call
   * more than once.
   */
  shutdown(): Promise<ShutdownSummary> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<ShutdownSummary> {
    this.stopRequested = true;
    this.host.info("shutting down: finishing the frames already accepted");
    await this.supervisor.close();
    this.publishDiagnostics();
    const stats = this.stats();
    const summary: ShutdownSummary = {
      ...stats,
      unfinished: Math.max(0, stats.received - stats.processed - stats.dropped - stats.errors),
    };
    this.host.info(
      `stopped: ${summary.received} frames received, ${summary.processed} classified, ${summary.dropped} dropped, ${summary.errors} refused`,
    );
    this.stateNow = "finalized";
    return summary;
  }

  /** Startup failed: release the pipeline, if one was built; nothing is published. */
  async abandon(): Promise<void> {
    this.stopRequested = true;
    await this.supervisor.abandon();
    this.stateNow = "finalized";
  }

  private expectState(action: string, wanted: CoreState): void {
    if (this.stateNow !== wanted)
      throw new Error(`${action}() needs the ${wanted} state; the node is ${this.stateNow}`);
  }

  // --- images in --------------------------------------------------------------------------

  /** The shell now classifies `topic` (the resolved name) of `type`. */
  subscribed(topic: string, type: InputMessageType): void {
    this.imageType = type;
    this.imageTopic = topic;
    this.lastFrameAt = undefined;
    if (this.stateNow === "active") this.host.info(`now classifying ${topic} (${type})`);
  }

  /** A new subscription failed while active; the old one still runs. */
  subscriptionFailed(problem: string): void {
    this.applyProblem = `${problem}; still on ${this.imageTopic}`;
    this.host.error(this.applyProblem);
  }

  /** The subscription callback: hands the CDR bytes over; never throws, never waits. */
  onFrame(type: InputMessageType, data: Uint8Array): void {
    this.lastFrameAt = this.options.clock();
    try {
      this.supervisor.push(type, data);
    } catch (err) {
      this.log.write(
        "push",
        `a frame could not be handed to the pipeline: ${message(err)}`,
        this.host.error,
      );
    }
  }

  /** The resolved topic the node classifies, and its type. */
  imageInput(): { topic: string; type: InputMessageType } {
    return { topic: this.imageTopic, type: this.imageType };
  }

  // --- publishing -------------------------------------------------------------------------

  private publish(name: OutputName, msg: object): void {
    try {
      this.host.publish(name, msg);
    } catch (err) {
      this.log.write(
        `publish:${name}`,
        `could not publish on ${OUTPUTS[name].topic}: ${message(err)}`,
        this.host.error,
      );
    }
  }

  private publishLabelInfo(labels: readonly string[]): void {
    this.publish("labelInfo", labelInfoMessage(labels, this.host.now()));
  }

  private onResult(result: ClassificationResult): void {
    this.monitor.onResult(result, this.options.clock());
    const messages = resultMessages(result, {
      topK: this.params.top_k,
      withScores: this.params.publish_scores,
    });
    for (const output of RESULT_OUTPUTS) this.publish(output, messages[output]);
  }

  /** Publishes one diagnostics report (the shell's timer calls this) and logs a change of level. */
  publishDiagnostics(): void {
    const running = this.supervisor.running();
    const info = running?.info;
    const facts: Record<string, string> = {
      image_topic: this.imageTopic,
      image_type: this.imageType,
      model: info ? `${info.modelName} (${running.params.model})` : this.params.model,
      ...this.workerHealth.facts(),
    };
    if (info) {
      facts.classes = String(info.labels.length);
      facts.presentation = info.presentation;
      facts.timesteps = String(info.timesteps);
      facts.dt_s = String(info.dt);
      facts.encoder = info.encoder;
      facts.power_profile = info.powerProfile;
      if (this.imageType === "event_camera_msgs/msg/EventPacket" && info.events) {
        facts.input = "events";
        facts.event_window_ms = String(info.events.windowNs / 1e6);
      }
    }
    const report = this.monitor.report({
      now: this.options.clock(),
      stats: this.stats(),
      failure: this.failure ?? this.workerHealth.down,
      applyProblem: this.applyProblem,
      lastFrameAt: this.lastFrameAt,
      topic: this.imageTopic,
      facts,
    });
    this.publish(
      "diagnostics",
      diagnosticArray(report, this.host.now(), this.options.statusName, this.imageTopic),
    );
    if (report.level !== this.lastLevel) {
      const line = `health ${["OK", "WARN", "ERROR", "STALE"][report.level]}: ${report.message}`;
      if (report.level === LEVEL.OK) this.host.info(line);
      else if (report.level === LEVEL.WARN) this.host.warn(line);
      else this.host.error(line);
      this.lastLevel = report.level;
    }
  }

  // --- what the supervisor reports -----------------------------------------------------------

  /** A rebuilt pipeline runs: a new class map is published when the labels changed. */
  private replaced(info: PipelineInfo, previous: PipelineInfo | undefined): void {
    this.failure = undefined;
    this.workerHealth.replaced();
    if (!previous || previous.labels.join("\n") !== info.labels.join("\n"))
      this.publishLabelInfo(info.labels);
    this.host.info(
      `pipeline replaced: model ${info.modelName}, ${info.timesteps} ticks, ${info.presentation}, encoder ${info.encoder}, profile ${info.powerProfile}`,
    );
  }

  /** A change passed the checks but the pipeline could not be built: restore what runs. */
  private cannotApply(reason: string, running: NodeParams | undefined): void {
    this.applyProblem = `parameter change not applied (${reason}); kept the running settings`;
    this.host.error(this.applyProblem);
    if (!running) return;
    const restore: Partial<Record<ParamName, unknown>> = {};
    let any = false;
    for (const spec of PARAM_SPECS) {
      if (spec.effect !== "pipeline" || running[spec.name] === this.params[spec.name]) continue;
      restore[spec.name] = running[spec.name];
      any = true;
    }
    if (!any) return;
    this.reverting = true;
    try {
      this.host.restoreParameters(restore as Partial<NodeParams>);
    } finally {
      this.reverting = false;
    }
  }

  // --- counts -------------------------------------------------------------------------------

  /** Frames in, classified, dropped and refused since the node started, over every pipeline it ran. */
  stats(): PipelineStats {
    return this.supervisor.stats();
  }

  /** The running pipeline's facts (model, labels, ticks), if one runs. */
  pipelineInfo(): PipelineInfo | undefined {
    return this.supervisor.running()?.info;
  }
}
