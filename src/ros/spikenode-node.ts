/**
 * The spikenode ROS 2 node, plain (unmanaged): it joins the graph, declares the parameters,
 * advertises the outputs, and walks the core (node-core.ts) from unconfigured to active at once
 * (configure, activate, subscribe), then spins until stop(). The rcl work is node-shell.ts's,
 * shared with the managed node (lifecycle-node.ts), which walks the same core from rcl's
 * lifecycle transitions instead.
 */
import type { PipelineInfo, PipelineStats } from "../stream/types.js";
import type { CoreState, ShutdownSummary } from "./node-core.js";
import type { NodeParams } from "./parameters.js";
import type { RclNode } from "./rcl-types.js";
import { NodeShell, joinGraph, type SpikenodeOptions } from "./node-shell.js";
import { OUTPUTS, type OutputName } from "./topics.js";

export { NodeStartError } from "./node-errors.js";
export type { CoreState, ShutdownSummary } from "./node-core.js";
export { toRawBuffer, type SpikenodeOptions } from "./node-shell.js";

const ALL_OUTPUTS = Object.keys(OUTPUTS) as OutputName[];

export class SpikenodeNode {
  readonly node: RclNode;
  private readonly shell: NodeShell;
  private stopping?: Promise<ShutdownSummary>;

  private constructor(options: SpikenodeOptions, node: RclNode) {
    this.node = node;
    this.shell = new NodeShell(options, node, "plain");
  }

  /**
   * Joins the graph: init (unless told not to), declare parameters (params files and -p
   * overrides apply, and are checked), check and load the model, advertise, subscribe, spin.
   */
  static async start(options: SpikenodeOptions): Promise<SpikenodeNode> {
    const node = await joinGraph(options, (name, ns) => new options.rcl.Node(name, ns));
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
    const { shell, node } = this;
    const core = shell.core;
    shell.declareParameters();
    shell.createPublishers(ALL_OUTPUTS, (type, topic, opts) =>
      node.createPublisher(type, topic, opts),
    );
    core.configure();
    // The plain node is up once its model has loaded, as before it had states.
    const info = await core.activate();
    shell.subscribeImages();
    shell.createReloadService();
    shell.startDiagnostics();
    node.spin();
    const input = core.imageInput();
    shell.logger.info(
      `spikenode ready: model ${info.modelName} (${info.labels.length} classes, ${info.timesteps} ticks of ${info.dt} s, ${info.presentation}); ` +
        `classifying ${input.topic} (${input.type}) into ${shell.publisher("classification")?.topic}`,
    );
  }

  // --- state --------------------------------------------------------------------------------

  /** The core's state: "active" once started, "finalized" after stop(). */
  get state(): CoreState {
    return this.shell.core.state;
  }

  /** Frames in, classified, dropped and refused since the node started, over every pipeline it ran. */
  stats(): PipelineStats {
    return this.shell.core.stats();
  }

  /** The parameter values in force (after any refused change: the old ones). */
  parameters(): Readonly<NodeParams> {
    return this.shell.core.parameters();
  }

  /** The resolved topic the node classifies. */
  imageTopicName(): string {
    return this.shell.core.imageInput().topic;
  }

  /** The running pipeline's facts (model, labels, ticks), if one runs. */
  pipelineInfo(): PipelineInfo | undefined {
    return this.shell.core.pipelineInfo();
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
    this.shell.unsubscribeImages();
    const summary = await this.shell.core.shutdown();
    this.shell.leaveGraph();
    return summary;
  }

  /** Startup failed: release whatever was created. */
  private async abandon(): Promise<void> {
    await this.shell.core.abandon();
    this.shell.leaveGraph();
  }
}
