/**
 * What both rclnodejs shells of the node (spikenode-node.ts, plain; lifecycle-node.ts,
 * managed) do with rcl, in one place: the core built with a host over the node, the parameters
 * declared and wired to the core, the outputs advertised and published as CDR Buffers, the
 * image subscription, the diagnostics timer, leaving the graph. The shells differ only in when
 * they call these, and in the publishers they advertise (lifecycle publishers for the managed
 * node's results).
 *
 * rclnodejs comes in as `options.rcl` (the real module, or the tests' stand-in): nothing here
 * imports it. Images are taken serialized (`isRaw: true`) and handed to the pipeline as CDR
 * bytes, which it decodes with our codec; every message is published as a Buffer of CDR from
 * our own writer, never as an object (rclnodejs 2.2.0 misreads typed-array views in objects).
 * The subscription callback only pushes bytes: inference runs in the pipeline's worker.
 */
import { performance } from "node:perf_hooks";
import { codecFor, type Codec } from "../messages/index.js";
import type { InputMessage, PipelineInfo, PipelineOptions } from "../stream/types.js";
import type { HealthThresholds } from "./diagnostics.js";
import { resolveModel as defaultResolveModel, type ModelInfo } from "./model-info.js";
import { SpikenodeCore, type CoreHost } from "./node-core.js";
import { NodeStartError, message } from "./node-errors.js";
import type { PipelineFactory } from "./pipeline-options.js";
import { RclParameters } from "./rcl-parameters.js";
import type {
  RclEntityOptions,
  RclModule,
  RclNode,
  RclPublisher,
  RclSubscription,
  RclTimer,
} from "./rcl-types.js";
import { OUTPUTS, inputSubscription, type OutputName } from "./topics.js";

export interface SpikenodeOptions {
  /** rclnodejs (see load-rclnodejs.ts) or a stand-in with its shape. */
  rcl: RclModule;
  /** Builds the pipeline for a set of options (createPipeline from src/stream). */
  createPipeline: PipelineFactory;
  /**
   * Checks synchronously that a pipeline would start (checkPipeline from src/stream), so that
   * configure refuses what the worker would. Without it configure checks parameters and model
   * files only.
   */
  checkPipeline?: (options: PipelineOptions) => PipelineInfo | undefined;
  /** Arguments for rcl's init: `--ros-args` (remaps, -p, --params-file) are read from them. */
  argv?: string[];
  /** Call rcl.init(argv) here and rcl.shutdown() when the node leaves. Default true. */
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

/** How a shell advertises one output (createPublisher, or createLifecyclePublisher). */
export type PublisherFactory = (
  type: string,
  topic: string,
  options: RclEntityOptions,
) => RclPublisher;

/** The outputs that carry results and the class map (every output but /diagnostics). */
export const RESULT_AND_LABEL_OUTPUTS: readonly OutputName[] = [
  "classification",
  "spikeClassification",
  "power",
  "labelInfo",
];

export class NodeShell {
  readonly core: SpikenodeCore;
  readonly logger: ReturnType<RclNode["getLogger"]>;
  private readonly parameters_: RclParameters;
  private readonly diagnosticsPeriodMs: number;
  private readonly pubs = new Map<OutputName, { publisher: RclPublisher; codec: Codec }>();
  private imageSub?: RclSubscription;
  private timer?: RclTimer;

  constructor(
    private readonly options: SpikenodeOptions,
    readonly node: RclNode,
    variant: "plain" | "managed",
  ) {
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
        checkPipeline: options.checkPipeline,
        resolveModel: options.resolveModel ?? ((v) => defaultResolveModel(v)),
        deserialize: (type, bytes) => codecFor(type).decode(bytes) as InputMessage,
        powerProfiles: options.powerProfiles,
        thresholds: options.thresholds,
        closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
        clock: options.clock ?? (() => performance.now()),
        statusName: `${node.getFullyQualifiedName().replace(/^\//, "")}: classifier`,
        variant,
      },
      host,
    );
    this.parameters_ = new RclParameters(options.rcl, node, host.warn);
  }

  /**
   * Registers the parameter callbacks and declares every parameter (params files and -p
   * overrides apply, checked by the core). Throws NodeStartError for a value refused.
   */
  declareParameters(): void {
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
  }

  // --- publishing -------------------------------------------------------------------------

  /** Advertises `names` through `make`; throws NodeStartError naming the type rclnodejs lacks. */
  createPublishers(names: readonly OutputName[], make: PublisherFactory): void {
    const qos = this.options.rcl.QoS;
    for (const name of names) {
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
        this.pubs.set(name, { publisher: make(type, topic, options), codec: codecFor(type) });
      } catch (err) {
        throw new NodeStartError(
          `cannot publish ${type} on ${topic}: ${message(err)}. If rclnodejs does not know the type, build the spikenode package with colcon, source its install/setup.bash, and run \`npx generate-ros-messages\``,
          { cause: err },
        );
      }
    }
  }

  /** The publisher of an output, if advertised. */
  publisher(name: OutputName): RclPublisher | undefined {
    return this.pubs.get(name)?.publisher;
  }

  destroyPublishers(names: readonly OutputName[]): void {
    for (const name of names) {
      const out = this.pubs.get(name);
      if (!out) continue;
      this.pubs.delete(name);
      this.node.destroyPublisher(out.publisher);
    }
  }

  /** Serialize with our writer and hand rclnodejs a Buffer: it publishes those bytes as they are. */
  private publish(name: OutputName, msg: object): void {
    const out = this.pubs.get(name);
    if (!out) return;
    out.publisher.publish(toRawBuffer(out.codec.encode(msg)));
  }

  // --- images in --------------------------------------------------------------------------

  /**
   * Subscribes to the input the parameters name (replacing the subscription there is). While
   * active a failure is reported and the old subscription kept; otherwise it throws
   * NodeStartError.
   */
  subscribeImages(): void {
    const { topic, type } = inputSubscription(this.core.parameters());
    let sub: RclSubscription;
    try {
      sub = this.node.createSubscription(
        type,
        topic,
        {
          qos: this.options.rcl.QoS.profileSensorData,
          isRaw: true,
          qosOverridingOptions: this.options.rcl.QoSOverridingOptions.withDefaultPolicies(),
        },
        (data: Buffer) => this.core.onFrame(type, data),
      );
    } catch (err) {
      const problem = `cannot subscribe to ${topic} (${type}): ${message(err)}`;
      if (this.core.state !== "active" || !this.imageSub)
        throw new NodeStartError(problem, { cause: err });
      this.core.subscriptionFailed(problem);
      return;
    }
    this.unsubscribeImages();
    this.imageSub = sub;
    this.core.subscribed(sub.topic, type);
  }

  /** Stops the frames coming (safe when not subscribed). */
  unsubscribeImages(): void {
    if (!this.imageSub) return;
    this.node.destroySubscription(this.imageSub);
    this.imageSub = undefined;
  }

  subscribedToImages(): boolean {
    return this.imageSub !== undefined;
  }

  // --- services ---------------------------------------------------------------------------

  /**
   * `~/reload` (std_srvs/srv/Trigger): the core's reload, answered once settled (rclnodejs sends
   * what a service callback's Promise resolves to). Without std_srvs generated the node runs
   * without it, and says so.
   */
  createReloadService(): void {
    try {
      this.node.createService("std_srvs/srv/Trigger", "~/reload", undefined, () =>
        this.core.reload(),
      );
    } catch (err) {
      this.logger.warn(
        `no ~/reload service (${message(err)}); the model parameter still swaps models. Source a ROS 2 with std_srvs and run \`npx generate-ros-messages\``,
      );
    }
  }

  // --- timer and leaving --------------------------------------------------------------------

  startDiagnostics(): void {
    this.timer ??= this.node.createTimer(BigInt(Math.round(this.diagnosticsPeriodMs * 1e6)), () =>
      this.core.publishDiagnostics(),
    );
  }

  /** Stops the timer, destroys the node and, when this process's shell initialised rcl, shuts it down. */
  leaveGraph(): void {
    this.timer?.cancel();
    this.timer = undefined;
    try {
      this.node.destroy();
    } finally {
      const rcl = this.options.rcl;
      if ((this.options.initRcl ?? true) && !rcl.isShutdown()) rcl.shutdown();
    }
  }
}

/** Joins the graph as `create` makes the node: init (unless told not to), then the node. */
export async function joinGraph<N extends RclNode>(
  options: SpikenodeOptions,
  create: (name: string, namespace: string) => N,
): Promise<N> {
  const initRcl = options.initRcl ?? true;
  if (initRcl) await options.rcl.init(undefined, options.argv ?? process.argv);
  try {
    return create(options.nodeName ?? "spikenode", options.namespace ?? "");
  } catch (err) {
    if (initRcl) options.rcl.shutdown();
    throw err;
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
