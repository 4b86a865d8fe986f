/**
 * The spikenode ROS 2 node: parameters, the image subscription, the pipeline, and the
 * publishers of classifications, spike activity, power, labels and diagnostics.
 *
 * rclnodejs comes in as `options.rcl` (the real module, or the tests' stand-in): nothing here
 * imports it. Images are taken serialized (`isRaw: true`) and handed to the pipeline as CDR
 * bytes, which it decodes with our codec; every message is published as a Buffer of CDR from
 * our own writer, never as an object (rclnodejs 2.2.0 misreads typed-array views in objects).
 * The subscription callback only pushes bytes: inference runs in the pipeline's worker.
 */
import { performance } from "node:perf_hooks";
import type { Subscription as RxSubscription } from "rxjs";
import { codecFor, type Codec } from "../messages/index.js";
import type {
  ClassificationResult,
  Pipeline,
  PipelineInfo,
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
import { resolveModel as defaultResolveModel, type ModelInfo } from "./model-info.js";
import {
  PARAM_SPECS,
  SPEC_BY_NAME,
  checkParameters,
  defaultParams,
  fromRosValue,
  type NodeParams,
  type ParamEffect,
  type ParamKind,
  type ParamName,
  type ParamSpec,
} from "./parameters.js";
import {
  pipelineKey,
  pipelineOptions,
  type Deserializer,
  type PipelineFactory,
} from "./pipeline-options.js";
import type {
  RclModule,
  RclNode,
  RclParameter,
  RclPublisher,
  RclSubscription,
  RclTimer,
  SetParametersResult,
} from "./rcl-types.js";
import {
  classificationMessage,
  labelInfoMessage,
  powerEstimateMessage,
  spikeClassificationMessage,
} from "../messages/results.js";
import { OUTPUTS, imageSubscription, type ImageType, type OutputName } from "./topics.js";

export interface SpikenodeOptions {
  /** rclnodejs (see load-rclnodejs.ts) or a stand-in with its shape. */
  rcl: RclModule;
  /** Builds the pipeline for a set of options (createPipeline from src/stream). */
  createPipeline: PipelineFactory;
  /** Arguments for rcl's init: `--ros-args` (remaps, -p, --params-file) are read from them. */
  argv?: string[];
  /** Call rcl.init(argv) here and rcl.shutdown() in stop(). Default true. */
  initRcl?: boolean;
  nodeName?: string;
  namespace?: string;
  /** How a `model` value becomes a model directory; default: a path, or a name under models/. */
  resolveModel?: (value: string) => ModelInfo | string;
  /** Profile names to accept for power_profile; default: any non-empty name (the pipeline checks). */
  powerProfiles?: readonly string[];
  diagnosticsPeriodMs?: number;
  thresholds?: Partial<HealthThresholds>;
  /** Longest wait for frames in flight at shutdown or when replacing the pipeline. */
  closeTimeoutMs?: number;
  /** Monotonic milliseconds. */
  clock?: () => number;
}

export interface ShutdownSummary extends PipelineStats {
  /** Frames accepted but neither classified, refused nor counted dropped (should be 0). */
  unfinished: number;
}

/** A startup problem the user can fix (bad parameter, missing model, missing message types). */
export class NodeStartError extends Error {
  readonly userFacing = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NodeStartError";
  }
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

type Publishers = Record<OutputName, { publisher: RclPublisher; codec: Codec }>;

const ZERO_STATS: PipelineStats = {
  received: 0,
  processed: 0,
  dropped: 0,
  errors: 0,
  errorsByReason: {},
  waiting: 0,
  inFlight: 0,
};

const LOG_EVERY_MS = 5000;

export class SpikenodeNode {
  readonly node: RclNode;
  private readonly rcl: RclModule;
  private readonly opts: Required<
    Pick<SpikenodeOptions, "initRcl" | "diagnosticsPeriodMs" | "closeTimeoutMs">
  > &
    SpikenodeOptions;
  private readonly clock: () => number;
  private readonly resolveModel: (value: string) => ModelInfo | string;
  private readonly deserialize: Deserializer;
  private readonly logger: ReturnType<RclNode["getLogger"]>;
  private readonly monitor: HealthMonitor;

  private params: NodeParams = defaultParams();
  private started = false;
  private stopRequested = false;
  private stopping?: Promise<ShutdownSummary>;
  private reverting = false;
  private readonly typeProblems = new Map<string, string>();
  private lastModel?: { value: string; info: ModelInfo };

  private pubs?: Publishers;
  private imageSub?: RclSubscription;
  private imageType: ImageType = "sensor_msgs/msg/Image";
  private imageTopic = "";
  private timer?: RclTimer;

  private current?: Attached;
  private readonly closing = new Set<Attached>();
  private retired: PipelineStats = { ...ZERO_STATS, errorsByReason: {} };
  /** Frames that arrived while no pipeline was working, or that push() threw on. */
  private unattachedDrops = 0;
  private pushFailures = 0;
  private rebuildChain: Promise<void> = Promise.resolve();

  private lastFrameAt?: number;
  private failure?: string;
  private applyProblem?: string;
  private lastLevel: Level = LEVEL.OK;
  private readonly lastLogged = new Map<string, number>();

  private constructor(options: SpikenodeOptions, node: RclNode) {
    this.opts = { initRcl: true, diagnosticsPeriodMs: 1000, closeTimeoutMs: 10_000, ...options };
    this.rcl = options.rcl;
    this.node = node;
    this.clock = options.clock ?? (() => performance.now());
    this.resolveModel = options.resolveModel ?? ((v) => defaultResolveModel(v));
    this.deserialize = (type, bytes) => codecFor(type).decode(bytes);
    this.logger = node.getLogger();
    this.monitor = new HealthMonitor(this.clock(), {
      ...DEFAULT_THRESHOLDS,
      ...options.thresholds,
    });
  }

  /**
   * Joins the graph: init (unless told not to), declare parameters (params files and -p
   * overrides apply, and are checked), load the model, advertise, subscribe, spin.
   */
  static async start(options: SpikenodeOptions): Promise<SpikenodeNode> {
    const initRcl = options.initRcl ?? true;
    if (initRcl) await options.rcl.init(undefined, options.argv ?? process.argv);
    let node: RclNode;
    try {
      node = new options.rcl.Node(options.nodeName ?? "spikenode", options.namespace ?? "");
    } catch (err) {
      if (initRcl) options.rcl.shutdown();
      throw err;
    }
    const self = new SpikenodeNode(options, node);
    try {
      await self.startUp();
    } catch (err) {
      await self.abandon();
      throw err;
    }
    return self;
  }

  private async startUp(): Promise<void> {
    const node = this.node;
    node.addPreSetParametersCallback((ps) => this.coerceTypes(ps));
    node.addOnSetParametersCallback((ps) => this.checkChange(ps));
    node.addPostSetParametersCallback((ps) => this.applyChange(ps));
    this.declareParameters();

    this.pubs = this.createPublishers();
    const model = this.modelFor(this.params.model);
    const options = pipelineOptions(this.params, model, this.deserialize);
    let pipeline: Pipeline;
    let info: PipelineInfo;
    try {
      pipeline = this.opts.createPipeline(options);
    } catch (err) {
      throw new NodeStartError(`the pipeline refused its options: ${message(err)}`, { cause: err });
    }
    try {
      info = await pipeline.ready();
    } catch (err) {
      await pipeline.close({ drain: false, timeoutMs: 1000 }).catch(() => undefined);
      throw new NodeStartError(
        `model "${this.params.model}" (${model.dir}) could not be loaded: ${message(err)}`,
        {
          cause: err,
        },
      );
    }
    this.attach(pipeline, pipelineKey(options), info);
    this.publishLabelInfo(info.labels);
    this.subscribeImages();
    this.timer = node.createTimer(BigInt(Math.round(this.opts.diagnosticsPeriodMs * 1e6)), () =>
      this.publishDiagnostics(),
    );
    this.started = true;
    node.spin();
    this.logger.info(
      `spikenode ready: model ${info.modelName} (${info.labels.length} classes, ${info.timesteps} ticks of ${info.dt} s, ${info.presentation}); ` +
        `classifying ${this.imageTopic} (${this.imageType}) into ${this.pubs.classification.publisher.topic}`,
    );
  }

  // --- parameters -----------------------------------------------------------------------

  private rosType(kind: ParamKind): number {
    const t = this.rcl.ParameterType;
    return {
      bool: t.PARAMETER_BOOL,
      integer: t.PARAMETER_INTEGER,
      double: t.PARAMETER_DOUBLE,
      string: t.PARAMETER_STRING,
    }[kind];
  }

  private declareParameters(): void {
    for (const spec of PARAM_SPECS) {
      const type = this.rosType(spec.kind);
      const descriptor = new this.rcl.ParameterDescriptor(spec.name, type, spec.description, false);
      descriptor.additionalConstraints = spec.constraints;
      let declared: RclParameter;
      try {
        declared = this.node.declareParameter(
          new this.rcl.Parameter(spec.name, type, spec.default),
          descriptor,
        );
      } catch (err) {
        const reason = this.typeProblems.get(spec.name) ?? message(err);
        throw new NodeStartError(
          `parameter ${spec.name} was given a value it cannot take (${reason}); fix it in the parameters file or the -p override`,
          { cause: err },
        );
      }
      (this.params as unknown as Record<string, unknown>)[spec.name] = fromRosValue(
        spec,
        declared.value,
      );
    }
  }

  /**
   * rcl types `-p dt:=1` and `ros2 param set ... dt 0` as integers, which a double parameter
   * would refuse; such values are converted. Other type mismatches are left for rclnodejs to
   * refuse, and their real reason is logged (rclnodejs reports "does not  readonly").
   */
  private coerceTypes(ps: RclParameter[]): RclParameter[] {
    const t = this.rcl.ParameterType;
    return ps.map((p) => {
      const spec = SPEC_BY_NAME.get(p.name);
      if (!spec) return p;
      const want = this.rosType(spec.kind);
      if (p.type === want) return p;
      if (spec.kind === "double" && p.type === t.PARAMETER_INTEGER) {
        return new this.rcl.Parameter(p.name, want, Number(p.value as bigint));
      }
      if (spec.kind === "integer" && p.type === t.PARAMETER_DOUBLE && Number.isInteger(p.value)) {
        return new this.rcl.Parameter(p.name, want, BigInt(p.value as number));
      }
      const problem = `${p.name} must be ${article(spec.kind)}, got ${typeName(p.type, t)} ${String(p.value)}`;
      this.typeProblems.set(p.name, problem);
      this.logger.warn(`refused parameter change: ${problem}`);
      return p;
    });
  }

  private checkChange(ps: RclParameter[]): SetParametersResult {
    const proposed: Partial<Record<ParamName, unknown>> = {};
    let ours = false;
    for (const p of ps) {
      if (!SPEC_BY_NAME.has(p.name)) continue;
      proposed[p.name as ParamName] = p.value;
      ours = true;
    }
    if (!ours) return { successful: true, reason: "" };
    if (this.stopRequested) return { successful: false, reason: "the node is shutting down" };
    const resolved: { model?: ModelInfo } = {};
    const reason = checkParameters(proposed, this.checkContext(), resolved);
    if (reason) {
      this.logger.warn(`refused parameter change: ${reason}`);
      return { successful: false, reason };
    }
    if (resolved.model && typeof proposed.model === "string") {
      this.lastModel = { value: proposed.model, info: resolved.model };
    }
    return { successful: true, reason: "" };
  }

  private checkContext() {
    return { resolveModel: this.resolveModel, powerProfiles: this.opts.powerProfiles };
  }

  private applyChange(ps: RclParameter[]): void {
    const effects = new Set<ParamEffect>();
    const changes: string[] = [];
    for (const p of ps) {
      const spec: ParamSpec | undefined = SPEC_BY_NAME.get(p.name);
      if (!spec) continue;
      const value = fromRosValue(spec, p.value);
      const before = this.params[spec.name];
      (this.params as unknown as Record<string, unknown>)[spec.name] = value;
      if (this.started && before !== value) {
        effects.add(spec.effect);
        changes.push(`${spec.name}=${JSON.stringify(value)}`);
      }
    }
    if (!this.started || effects.size === 0) return;
    if (!this.reverting) {
      this.applyProblem = undefined;
      this.logger.info(`parameters changed: ${changes.join(", ")}`);
    }
    if (effects.has("subscription")) this.subscribeImages();
    if (effects.has("pipeline")) this.scheduleRebuild();
  }

  private modelFor(value: string): ModelInfo {
    if (this.lastModel?.value === value) return this.lastModel.info;
    const model = this.resolveModel(value);
    if (typeof model === "string") throw new NodeStartError(model);
    this.lastModel = { value, info: model };
    return model;
  }

  // --- publishing -------------------------------------------------------------------------

  private createPublishers(): Publishers {
    const qos = this.rcl.QoS;
    const make = (name: OutputName) => {
      const { topic, type } = OUTPUTS[name];
      const options =
        name === "labelInfo"
          ? {
              // Latched: a subscriber that joins later still gets the class map.
              qos: new qos(
                qos.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST,
                1,
                qos.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE,
                qos.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL,
              ),
            }
          : { qos: qos.profileDefault };
      try {
        return {
          publisher: this.node.createPublisher(type, topic, options),
          codec: codecFor(type),
        };
      } catch (err) {
        throw new NodeStartError(
          `cannot publish ${type} on ${topic}: ${message(err)}. If rclnodejs does not know the type, build the spikenode package with colcon, source its install/setup.bash, and run \`npx generate-ros-messages\``,
          { cause: err },
        );
      }
    };
    return {
      classification: make("classification"),
      spikeClassification: make("spikeClassification"),
      power: make("power"),
      labelInfo: make("labelInfo"),
      diagnostics: make("diagnostics"),
    };
  }

  /** Serialize with our writer and hand rclnodejs a Buffer: it publishes those bytes as they are. */
  private publish(name: OutputName, msg: object): void {
    const out = this.pubs?.[name];
    if (!out) return;
    try {
      out.publisher.publish(toRawBuffer(out.codec.encode(msg)));
    } catch (err) {
      this.logThrottled(
        `publish:${name}`,
        "error",
        `could not publish on ${OUTPUTS[name].topic}: ${message(err)}`,
      );
    }
  }

  private publishLabelInfo(labels: readonly string[]): void {
    this.publish("labelInfo", labelInfoMessage(labels, this.node.now().toMsg()));
  }

  private onResult(result: ClassificationResult): void {
    this.monitor.onResult(result, this.clock());
    this.publish("classification", classificationMessage(result, this.params.top_k));
    this.publish(
      "spikeClassification",
      spikeClassificationMessage(result, this.params.publish_scores),
    );
    this.publish("power", powerEstimateMessage(result));
  }

  private publishDiagnostics(): void {
    const info = this.current?.info;
    const facts: Record<string, string> = {
      image_topic: this.imageTopic,
      image_type: this.imageType,
      model: info ? `${info.modelName} (${this.current?.params.model})` : this.params.model,
    };
    if (info) {
      facts.classes = String(info.labels.length);
      facts.presentation = info.presentation;
      facts.timesteps = String(info.timesteps);
      facts.dt_s = String(info.dt);
      facts.encoder = info.encoder;
      facts.power_profile = info.powerProfile;
    }
    const report = this.monitor.report({
      now: this.clock(),
      stats: this.stats(),
      failure: this.failure,
      applyProblem: this.applyProblem,
      lastFrameAt: this.lastFrameAt,
      topic: this.imageTopic,
      facts,
    });
    const fqn = this.node.getFullyQualifiedName();
    this.publish(
      "diagnostics",
      diagnosticArray(
        report,
        this.node.now().toMsg(),
        `${fqn.replace(/^\//, "")}: classifier`,
        this.imageTopic,
      ),
    );
    if (report.level !== this.lastLevel) {
      const line = `health ${["OK", "WARN", "ERROR", "STALE"][report.level]}: ${report.message}`;
      if (report.level === LEVEL.OK) this.logger.info(line);
      else if (report.level === LEVEL.WARN) this.logger.warn(line);
      else this.logger.error(line);
      this.lastLevel = report.level;
    }
  }

  // --- images in --------------------------------------------------------------------------

  private subscribeImages(): void {
    const { topic, type } = imageSubscription(this.params.image_topic, this.params.compressed);
    const callback = (message: Buffer) => this.onFrame(type, message);
    let sub: RclSubscription;
    try {
      sub = this.node.createSubscription(
        type,
        topic,
        {
          qos: this.rcl.QoS.profileSensorData,
          isRaw: true,
          qosOverridingOptions: this.rcl.QoSOverridingOptions.withDefaultPolicies(),
        },
        callback,
      );
    } catch (err) {
      const problem = `cannot subscribe to ${topic} (${type}): ${message(err)}`;
      if (!this.started) throw new NodeStartError(problem, { cause: err });
      this.applyProblem = `${problem}; still on ${this.imageTopic}`;
      this.logger.error(this.applyProblem);
      return;
    }
    if (this.imageSub) this.node.destroySubscription(this.imageSub);
    this.imageSub = sub;
    this.imageType = type;
    this.imageTopic = sub.topic;
    this.lastFrameAt = undefined;
    if (this.started) this.logger.info(`now classifying ${this.imageTopic} (${type})`);
  }

  private onFrame(type: ImageType, data: Buffer): void {
    this.lastFrameAt = this.clock();
    const target = this.current;
    if (!target) {
      this.unattachedDrops += 1;
      return;
    }
    try {
      target.pipeline.push({ kind: "serialized", type, data });
    } catch (err) {
      this.pushFailures += 1;
      this.logThrottled(
        "push",
        "error",
        `a frame could not be handed to the pipeline: ${message(err)}`,
      );
    }
  }

  // --- pipeline lifecycle -------------------------------------------------------------------

  private attach(pipeline: Pipeline, key: string, info: PipelineInfo): void {
    const attached: Attached = {
      pipeline,
      key,
      info,
      params: { ...this.params },
      subscriptions: [],
    };
    const died = (err: unknown) => this.onPipelineDied(attached, err);
    attached.subscriptions.push(
      pipeline.results$.subscribe({ next: (r) => this.onResult(r), error: died }),
      pipeline.errors$.subscribe({
        next: (e) =>
          this.logThrottled(
            `frame:${e.reason}`,
            "warn",
            `frame ${e.seq} refused (${e.reason}): ${e.message}`,
          ),
        error: died,
      }),
    );
    this.current = attached;
    this.failure = undefined;
  }

  private onPipelineDied(attached: Attached, err: unknown): void {
    if (attached !== this.current || this.stopRequested) return;
    this.failure = `the pipeline stopped: ${message(err)}`;
    this.logger.error(`${this.failure}; restarting it`);
    this.current = undefined;
    void this.retire(attached);
    this.scheduleRebuild();
  }

  private scheduleRebuild(): void {
    this.rebuildChain = this.rebuildChain
      .then(() => this.rebuild())
      .catch((err: unknown) => {
        this.logger.error(`rebuilding the pipeline failed: ${message(err)}`);
      });
  }

  /** Builds a pipeline for the current parameters beside the running one, then swaps them. */
  private async rebuild(): Promise<void> {
    if (this.stopRequested) return;
    const params = { ...this.params };
    let model: ModelInfo;
    try {
      model = this.modelFor(params.model);
    } catch (err) {
      this.cannotApply(message(err));
      return;
    }
    const options = pipelineOptions(params, model, this.deserialize);
    const key = pipelineKey(options);
    if (this.current && this.current.key === key) return;
    let next: Pipeline;
    let info: PipelineInfo;
    try {
      next = this.opts.createPipeline(options);
    } catch (err) {
      this.cannotApply(message(err));
      return;
    }
    try {
      info = await next.ready();
    } catch (err) {
      await next.close({ drain: false, timeoutMs: 1000 }).catch(() => undefined);
      this.cannotApply(message(err));
      return;
    }
    if (this.stopRequested) {
      await next.close({ drain: false, timeoutMs: 1000 });
      return;
    }
    const old = this.current;
    this.attach(next, key, info);
    if (!old || old.info.labels.join("\n") !== info.labels.join("\n"))
      this.publishLabelInfo(info.labels);
    this.logger.info(
      `pipeline replaced: model ${info.modelName}, ${info.timesteps} ticks, ${info.presentation}, encoder ${info.encoder}, profile ${info.powerProfile}`,
    );
    if (old) await this.retire(old);
  }

  /** A change passed the checks but the pipeline could not be built: restore what runs. */
  private cannotApply(reason: string): void {
    const running = this.current?.params;
    this.applyProblem = `parameter change not applied (${reason}); kept the running settings`;
    this.logger.error(this.applyProblem);
    if (!running) return;
    const restore: RclParameter[] = [];
    for (const spec of PARAM_SPECS) {
      if (spec.effect !== "pipeline" || running[spec.name] === this.params[spec.name]) continue;
      restore.push(new this.rcl.Parameter(spec.name, this.rosType(spec.kind), running[spec.name]));
    }
    if (restore.length === 0) return;
    this.reverting = true;
    try {
      this.node.setParametersAtomically(restore);
    } finally {
      this.reverting = false;
    }
  }

  /** Lets a pipeline finish its accepted frames (their results are still published), then counts it. */
  private retire(attached: Attached): Promise<void> {
    attached.closed ??= (async () => {
      this.closing.add(attached);
      if (this.current === attached) this.current = undefined;
      try {
        await attached.pipeline.close({ drain: true, timeoutMs: this.opts.closeTimeoutMs });
      } catch (err) {
        this.logger.error(`closing a pipeline failed: ${message(err)}`);
      }
      for (const s of attached.subscriptions) s.unsubscribe();
      this.retired = addStats(this.retired, attached.pipeline.stats());
      this.closing.delete(attached);
    })();
    return attached.closed;
  }

  // --- state --------------------------------------------------------------------------------

  /** Frames in, classified, dropped and refused since the node started, over every pipeline it ran. */
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
    return {
      ...total,
      received: total.received + this.unattachedDrops,
      dropped: total.dropped + this.unattachedDrops,
      errors: total.errors + this.pushFailures,
      errorsByReason,
    };
  }

  /** The parameter values in force (after any refused change: the old ones). */
  parameters(): Readonly<NodeParams> {
    return { ...this.params };
  }

  /** The resolved topic the node classifies. */
  imageTopicName(): string {
    return this.imageTopic;
  }

  /** The running pipeline's facts (model, labels, ticks), if one runs. */
  pipelineInfo(): PipelineInfo | undefined {
    return this.current?.info;
  }

  /**
   * Stops taking frames, lets the frames already accepted finish (their results are
   * published; after closeTimeoutMs the rest are counted as dropped), publishes a last
   * diagnostics report, then leaves the graph. Safe to call more than once.
   */
  stop(): Promise<ShutdownSummary> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<ShutdownSummary> {
    this.stopRequested = true;
    this.logger.info("shutting down: finishing the frames already accepted");
    if (this.imageSub) {
      this.node.destroySubscription(this.imageSub);
      this.imageSub = undefined;
    }
    await this.rebuildChain;
    const all = [...this.closing, ...(this.current ? [this.current] : [])];
    await Promise.all(all.map((a) => this.retire(a)));
    this.publishDiagnostics();
    const stats = this.stats();
    const summary: ShutdownSummary = {
      ...stats,
      unfinished: Math.max(0, stats.received - stats.processed - stats.dropped - stats.errors),
    };
    this.logger.info(
      `stopped: ${summary.received} frames received, ${summary.processed} classified, ${summary.dropped} dropped, ${summary.errors} refused`,
    );
    this.leaveGraph();
    return summary;
  }

  private leaveGraph(): void {
    this.timer?.cancel();
    this.timer = undefined;
    try {
      this.node.destroy();
    } finally {
      if (this.opts.initRcl && !this.rcl.isShutdown()) this.rcl.shutdown();
    }
  }

  /** Startup failed: release whatever was created. */
  private async abandon(): Promise<void> {
    this.stopRequested = true;
    if (this.current) await this.retire(this.current);
    this.leaveGraph();
  }

  private logThrottled(key: string, level: "warn" | "error", line: string): void {
    const now = this.clock();
    const last = this.lastLogged.get(key);
    if (last !== undefined && now - last < LOG_EVERY_MS) return;
    this.lastLogged.set(key, now);
    this.logger[level](line);
  }
}

/** A Buffer over exactly the CDR bytes: the same memory when the array owns it, else a fresh copy. */
export function toRawBuffer(bytes: Uint8Array): Buffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return Buffer.from(bytes.buffer, 0, bytes.byteLength);
  }
  const copy = Buffer.alloc(bytes.byteLength);
  copy.set(bytes);
  return copy;
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
    waiting: a.waiting + b.waiting,
    inFlight: a.inFlight + b.inFlight,
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function article(kind: ParamKind): string {
  return { bool: "a bool", integer: "an integer", double: "a double", string: "a string" }[kind];
}

function typeName(type: number, t: RclModule["ParameterType"]): string {
  if (type === t.PARAMETER_BOOL) return "bool";
  if (type === t.PARAMETER_INTEGER) return "integer";
  if (type === t.PARAMETER_DOUBLE) return "double";
  if (type === t.PARAMETER_STRING) return "string";
  return `type ${type}`;
}
