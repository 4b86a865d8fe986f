/**
 * The spikenode ROS 2 node's rclnodejs shell: it joins the graph, declares the parameters,
 * advertises the outputs, subscribes to the images, runs the diagnostics timer and spins; the
 * rcl-free core (node-core.ts) supervises the pipeline, checks and applies parameters, counts,
 * and makes the messages this shell publishes. Its start is the core's configure + activate in
 * one go; a managed (lifecycle) node would call the same core from its transitions.
 *
 * rclnodejs comes in as `options.rcl` (the real module, or the tests' stand-in): nothing here
 * imports it. Images are taken serialized (`isRaw: true`) and handed to the pipeline as CDR
 * bytes, which it decodes with our codec; every message is published as a Buffer of CDR from
 * our own writer, never as an object (rclnodejs 2.2.0 misreads typed-array views in objects).
 * The subscription callback only pushes bytes: inference runs in the pipeline's worker.
 */
import { performance } from "node:perf_hooks";
import { codecFor, type Codec } from "../messages/index.js";
import type { InputMessage, PipelineInfo, PipelineStats } from "../stream/types.js";
import type { HealthThresholds } from "./diagnostics.js";
import { resolveModel as defaultResolveModel, type ModelInfo } from "./model-info.js";
import { SpikenodeCore, type CoreHost, type CoreState, type ShutdownSummary } from "./node-core.js";
import { NodeStartError, message } from "./node-errors.js";
import type { NodeParams } from "./parameters.js";
import type { PipelineFactory } from "./pipeline-options.js";
import { RclParameters } from "./rcl-parameters.js";
import type { RclModule, RclNode, RclPublisher, RclSubscription, RclTimer } from "./rcl-types.js";
import { OUTPUTS, inputSubscription, type OutputName } from "./topics.js";

export { NodeStartError } from "./node-errors.js";
export type { CoreState, ShutdownSummary } from "./node-core.js";

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

type Publishers = Record<OutputName, { publisher: RclPublisher; codec: Codec }>;

export class SpikenodeNode {
  readonly node: RclNode;
  private readonly rcl: RclModule;
  private readonly initRcl: boolean;
  private readonly diagnosticsPeriodMs: number;
  private readonly logger: ReturnType<RclNode["getLogger"]>;
  private readonly core: SpikenodeCore;
  private readonly parameters_: RclParameters;

  private stopping?: Promise<ShutdownSummary>;
  private pubs?: Publishers;
  private imageSub?: RclSubscription;
  private timer?: RclTimer;

  private constructor(options: SpikenodeOptions, node: RclNode) {
    this.rcl = options.rcl;
    this.node = node;
    this.initRcl = options.initRcl ?? true;
    this.diagnosticsPeriodMs = options.diagnosticsPeriodMs ?? 1000;
    this.logger = node.getLogger();
    const host: CoreHost = {
      publish: (name, msg) => this.publish(name, msg),
      now: () => this.node.now().toMsg(),
      restoreParameters: (values) => this.parameters_.setAll(values),
      info: (line) => this.logger.info(line),
      warn: (line) => this.logger.warn(line),
      error: (line) => this.logger.error(line),
    };
    this.core = new SpikenodeCore(
      {
        createPipeline: options.createPipeline,
        resolveModel: options.resolveModel ?? ((v) => defaultResolveModel(v)),
        deserialize: (type, bytes) => codecFor(type).decode(bytes) as InputMessage,
        powerProfiles: options.powerProfiles,
        thresholds: options.thresholds,
        closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
        clock: options.clock ?? (() => performance.now()),
        statusName: `${node.getFullyQualifiedName().replace(/^\//, "")}: classifier`,
      },
      host,
    );
    this.parameters_ = new RclParameters(this.rcl, node, host.warn);
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
    const { node, core } = this;
    const params = this.parameters_;
    node.addPreSetParametersCallback((ps) => params.coerceTypes(ps));
    node.addOnSetParametersCallback((ps) => {
      const reason = core.checkChange(RclParameters.proposed(ps));
      return reason === null ? { successful: true, reason: "" } : { successful: false, reason };
    });
    node.addPostSetParametersCallback((ps) => {
      const effects = core.applyChange(RclParameters.values(ps));
      if (effects.has("subscription")) this.subscribeImages();
    });
    core.applyChange(params.declareAll());

    this.pubs = this.createPublishers();
    const info = await core.configure();
    this.subscribeImages();
    this.timer = node.createTimer(BigInt(Math.round(this.diagnosticsPeriodMs * 1e6)), () =>
      core.publishDiagnostics(),
    );
    core.activate();
    node.spin();
    const input = core.imageInput();
    this.logger.info(
      `spikenode ready: model ${info.modelName} (${info.labels.length} classes, ${info.timesteps} ticks of ${info.dt} s, ${info.presentation}); ` +
        `classifying ${input.topic} (${input.type}) into ${this.pubs.classification.publisher.topic}`,
    );
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
    out.publisher.publish(toRawBuffer(out.codec.encode(msg)));
  }

  // --- images in --------------------------------------------------------------------------

  private subscribeImages(): void {
    const params = this.core.parameters();
    const { topic, type } = inputSubscription(params);
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
        (data: Buffer) => this.core.onFrame(type, data),
      );
    } catch (err) {
      const problem = `cannot subscribe to ${topic} (${type}): ${message(err)}`;
      if (this.core.state !== "active") throw new NodeStartError(problem, { cause: err });
      this.core.subscriptionFailed(problem);
      return;
    }
    if (this.imageSub) this.node.destroySubscription(this.imageSub);
    this.imageSub = sub;
    this.core.subscribed(sub.topic, type);
  }

  // --- state --------------------------------------------------------------------------------

  /** The core's state: "active" once started, "finalized" after stop(). */
  get state(): CoreState {
    return this.core.state;
  }

  /** Frames in, classified, dropped and refused since the node started, over every pipeline it ran. */
  stats(): PipelineStats {
    return this.core.stats();
  }

  /** The parameter values in force (after any refused change: the old ones). */
  parameters(): Readonly<NodeParams> {
    return this.core.parameters();
  }

  /** The resolved topic the node classifies. */
  imageTopicName(): string {
    return this.core.imageInput().topic;
  }

  /** The running pipeline's facts (model, labels, ticks), if one runs. */
  pipelineInfo(): PipelineInfo | undefined {
    return this.core.pipelineInfo();
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
    if (this.imageSub) {
      this.node.destroySubscription(this.imageSub);
      this.imageSub = undefined;
    }
    const summary = await this.core.shutdown();
    this.leaveGraph();
    return summary;
  }

  private leaveGraph(): void {
    this.timer?.cancel();
    this.timer = undefined;
    try {
      this.node.destroy();
    } finally {
      if (this.initRcl && !this.rcl.isShutdown()) this.rcl.shutdown();
    }
  }

  /** Startup failed: release whatever was created. */
  private async abandon(): Promise<void> {
    await this.core.abandon();
    this.leaveGraph();
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
