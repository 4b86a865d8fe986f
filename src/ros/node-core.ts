/**
 * The node without rclnodejs: the parameters in force and their checks, the pipelines it runs
 * (pipeline-supervisor.ts: built, replaced beside the running one when a parameter asks,
 * restarted when one dies, drained at shutdown), health, and the messages it publishes for each
 * result. The shells (spikenode-node.ts, the plain node; lifecycle-node.ts, the managed one;
 * both on node-shell.ts) own everything rcl: declarations, publishers, the image subscription,
 * the timer, spinning. They hand the core serialized frames and parameter changes, and give it
 * a `CoreHost` to publish, log and restore parameters through.
 *
 * The states are rcl's lifecycle states; both variants walk them, the plain node at once:
 *
 *   unconfigured ──configure()──▶ inactive ──activate()──▶ active
 *        ▲                        │     ▲                    │
 *        └──────cleanup()─────────┘     └───deactivate()─────┘
 *   any state ──shutdown()──▶ finalized
 *
 * configure() and activate() answer synchronously (rclnodejs does not await a transition
 * callback): configure checks every parameter and, given `checkPipeline`, builds the worker's
 * stages once on this thread, so a model or parameter that would not run fails here with its
 * reason; activate() starts the pipeline (its worker loads the model meanwhile; frames wait for
 * it) and returns a promise of the load. deactivate() stops the pipelines, letting accepted
 * frames finish. A parameter set while not active is only recorded; for the managed variant a
 * value set while unconfigured is checked by configure, not when set. The managed variant
 * publishes results only while active; the plain one publishes the last frames' results while
 * shutting down too.
 */
import { labelInfoMessage, RESULT_OUTPUTS, resultMessages } from "../messages/results.js";
import type { InputMessageType } from "../stream/input-kinds.js";
import type {
  ClassificationResult,
  PipelineInfo,
  PipelineOptions,
  PipelineStats,
} from "../stream/types.js";
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
import {
  pipelineKey,
  pipelineOptions,
  type Deserializer,
  type PipelineFactory,
} from "./pipeline-options.js";
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
  /**
   * Checks synchronously that a pipeline would start with these options, returning what its
   * ready() would (checkPipeline from src/stream); throws the reason. Without it configure
   * checks the parameters and the model files only.
   */
  checkPipeline?: (options: PipelineOptions) => PipelineInfo | undefined;
  /**
   * "managed": a lifecycle node. Values set while unconfigured are checked by configure, results
   * are published only while active, and diagnostics say the state. Default "plain".
   */
  variant?: "plain" | "managed";
}

/** What configure() checked: the pipeline activate() will start, unless parameters change. */
interface Configured {
  key: string;
  info?: PipelineInfo;
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
  private activeSince?: number;
  private configured?: Configured;
  /** Results that finished while the managed node was not active: not published. */
  private withheld = 0;
  private readonly managed: boolean;
  private failure?: string;
  private applyProblem?: string;
  private lastLevel: Level = LEVEL.OK;
  private readonly workerHealth = new WorkerHealth();
  private readonly log: ThrottledLog;

  constructor(
    private readonly options: CoreOptions,
    private readonly host: CoreHost,
  ) {
    this.managed = options.variant === "managed";
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
        loaded: (info) => {
          this.failure = undefined;
          if (this.stateNow === "active") this.publishLabelInfo(info.labels);
        },
        loadFailed: (reason) => {
          this.failure = reason;
          host.error(reason);
          this.publishDiagnostics();
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
    // rcl has checked the type; configure checks the value, with every other value beside it.
    if (this.managed && this.stateNow === "unconfigured") return null;
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
   * unconfigured → inactive, synchronously: checks every parameter in force (the model's files
   * parsed as the loader does) and, given checkPipeline, builds the worker's stages once here.
   * Throws NodeStartError naming what to fix; the state stays unconfigured and diagnostics
   * report the reason. Returns the pipeline's facts when checkPipeline gave them.
   */
  configure(): PipelineInfo | undefined {
    this.expectState("configure", "unconfigured");
    this.configured = this.check("configure failed");
    this.failure = undefined;
    this.applyProblem = undefined;
    this.stateNow = "inactive";
    return this.configured.info;
  }

  /**
   * inactive → active: starts the pipeline configure checked (checked again first when a
   * parameter changed meanwhile) and takes frames at once; they wait in the pipeline while its
   * worker loads the model. Throws NodeStartError, staying inactive, when the pipeline cannot be
   * started. The promise settles when the model has loaded (rejecting with the reason it could
   * not; diagnostics then report ERROR). The class map is published once the model has loaded.
   */
  activate(): Promise<PipelineInfo> {
    this.expectState("activate", "inactive");
    if (this.configured?.key !== this.keyNow()) this.configured = this.check("activate failed");
    let loaded: Promise<PipelineInfo>;
    try {
      loaded = this.supervisor.launch(this.params);
    } catch (err) {
      this.failure = `activate failed: ${message(err)}`;
      throw err;
    }
    this.stateNow = "active";
    this.activeSince = this.options.clock();
    this.failure = undefined;
    // Reported through loadFailed as well; the caller may not be waiting.
    loaded.catch(() => undefined);
    return loaded;
  }

  /**
   * active → inactive: parameter changes are only recorded again, and the pipelines stop: the
   * frames already accepted finish (published by the plain variant, withheld by the managed
   * one). The shell stops the frames coming first. Resolves once they have drained.
   */
  deactivate(): Promise<void> {
    this.expectState("deactivate", "active");
    this.stateNow = "inactive";
    return this.supervisor.suspend();
  }

  /** inactive → unconfigured: forgets what configure checked; the next configure reads the model again. */
  cleanup(): void {
    this.expectState("cleanup", "inactive");
    this.configured = undefined;
    this.lastModel = undefined;
    this.failure = undefined;
    this.applyProblem = undefined;
    this.stateNow = "unconfigured";
  }

  /**
   * Every parameter in force checked, and the pipeline they make (see configure). A refusal is
   * thrown as NodeStartError with the reason, and kept for diagnostics as "<what>: <reason>".
   */
  private check(what: string): Configured {
    try {
      return this.checkNow();
    } catch (err) {
      this.failure = `${what}: ${message(err)}`;
      throw err;
    }
  }

  private checkNow(): Configured {
    const resolved: { model?: ModelInfo } = {};
    const reason = checkParameters(
      this.params,
      { resolveModel: this.options.resolveModel, powerProfiles: this.options.powerProfiles },
      resolved,
    );
    if (reason) throw new NodeStartError(reason);
    const model = resolved.model ?? this.modelFor(this.params.model);
    this.lastModel = { value: this.params.model, info: model };
    const options = pipelineOptions(this.params, model, this.options.deserialize);
    let info: PipelineInfo | undefined;
    if (this.options.checkPipeline) {
      try {
        info = this.options.checkPipeline(options);
      } catch (err) {
        throw new NodeStartError(
          `model "${this.params.model}" (${model.dir}) cannot run with these parameters: ${message(err)}`,
          { cause: err },
        );
      }
    }
    return { key: pipelineKey(options), info };
  }

  /**
   * Any state → finalized: refuses further changes, lets the frames already accepted finish
   * (after closeTimeoutMs the rest are counted as dropped; the plain variant publishes their
   * results), publishes a last diagnostics report. The shell stops the frames coming first.
   * Safe to call more than once.
   */
  shutdown(): Promise<ShutdownSummary> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<ShutdownSummary> {
    this.stopRequested = true;
    this.host.info("shutting down: finishing the frames already accepted");
    await this.supervisor.close();
    this.stateNow = "finalized";
    this.publishDiagnostics();
    const stats = this.stats();
    const summary: ShutdownSummary = {
      ...stats,
      unfinished: Math.max(0, stats.received - stats.processed - stats.dropped - stats.errors),
    };
    this.host.info(
      `stopped: ${summary.received} frames received, ${summary.processed} classified, ${summary.dropped} dropped, ${summary.errors} refused`,
    );
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

  /** The pipeline key of the parameters in force, or undefined when their model does not resolve. */
  private keyNow(): string | undefined {
    const model = this.options.resolveModel(this.params.model);
    if (typeof model === "string") return undefined;
    return pipelineKey(pipelineOptions(this.params, model, this.options.deserialize));
  }

  /** Results withheld because the managed node was not active when they finished. */
  withheldResults(): number {
    return this.withheld;
  }

  // --- reload -----------------------------------------------------------------------------

  /**
   * The `~/reload` service: the model files named by `model` read again (retrained weights
   * written in place, say) into a new pipeline beside the running one, which classifies until
   * the new one has loaded. A model that no longer loads or passes the checks is refused with
   * the reason and the running one stays. Answers once it is settled.
   */
  async reload(): Promise<{ success: boolean; message: string }> {
    if (this.stateNow !== "active" || this.stopRequested)
      return {
        success: false,
        message: `the node is ${this.stopRequested ? "shutting down" : this.stateNow}; reload works while it is active (configure reads the model anew)`,
      };
    const value = this.params.model;
    const model = this.options.resolveModel(value);
    if (typeof model === "string") {
      this.host.warn(`reload refused: ${model}; still running the model loaded before`);
      return { success: false, message: `${model}; still running the model loaded before` };
    }
    this.lastModel = { value, info: model };
    this.host.info(`reloading model "${value}" from ${model.dir}`);
    const outcome = await this.supervisor.reload(this.params);
    if (!outcome.ok)
      return {
        success: false,
        message: `model "${value}" could not be reloaded (${outcome.reason}); still running the model loaded before`,
      };
    const info = outcome.info;
    return {
      success: true,
      message: info
        ? `reloaded model ${info.modelName} from ${model.dir}: ${info.labels.length} classes, ${info.timesteps} ticks`
        : `model "${value}" is loading already`,
    };
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
    if (this.managed && (this.stateNow !== "active" || this.stopRequested)) {
      // A lifecycle node publishes only while active (its lifecycle publishers are off).
      this.withheld += 1;
      return;
    }
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
    if (this.managed) {
      facts.lifecycle_state = this.stateNow;
      if (this.withheld > 0) facts.results_withheld_inactive = String(this.withheld);
    }
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
      lastFrameAt: this.lastFrameAt ?? this.activeSince,
      topic: this.imageTopic,
      facts,
      idle: this.idleReason(),
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

  /** Why the managed node takes no frames now, or undefined while it does (or for the plain node). */
  private idleReason(): string | undefined {
    if (!this.managed) return undefined;
    switch (this.stateNow) {
      case "unconfigured":
        return "unconfigured: not classifying (lifecycle transition configure)";
      case "inactive":
        return "inactive: model checked, not classifying (lifecycle transition activate)";
      case "finalized":
        return "finalized: shut down";
      default:
        return this.stopRequested ? "shutting down: finishing the accepted frames" : undefined;
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
