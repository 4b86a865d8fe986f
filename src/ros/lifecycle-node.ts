/**
 * The spikenode ROS 2 node, managed: an rclnodejs LifecycleNode whose transitions walk the same
 * core as the plain node (node-core.ts, through node-shell.ts). `ros2 lifecycle set` and nav2's
 * lifecycle_manager drive it through rcl's `~/change_state`; it starts unconfigured.
 *
 *   configure   every parameter checked, the model read and the worker's stages built once on
 *               this thread (checkPipeline), result publishers created (inactive)
 *   activate    result publishers on, the pipeline started (its worker loads the model; frames
 *               wait for it), the image subscription made
 *   deactivate  subscription gone, publishers off, the pipeline drained: accepted frames
 *               finish, their results are not published (a lifecycle publisher that is not
 *               active sends nothing; the core counts them as withheld)
 *   cleanup     result publishers destroyed, the checked model forgotten
 *   shutdown    from any state: as deactivate, then the node is finalized; whenFinalized()
 *               resolves once the frames in flight are done
 *
 * rclnodejs runs each callback synchronously and takes its return value as the result (a
 * Promise would count as ERROR), so every callback does its work before returning and reports
 * only what has happened: configure's SUCCESS means the model and parameters passed the
 * checks the worker would make; activate's means frames are taken. A model that still fails
 * to load in the worker after that (its files changed since configure) is reported at ERROR on
 * /diagnostics, frames are counted dropped, and a deactivate, cleanup, configure recovers.
 * /diagnostics is a plain publisher with its timer running from creation, so a failed
 * configure is seen there in every state.
 */
import type { PipelineInfo, PipelineStats } from "../stream/types.js";
import { NodeStartError, message } from "./node-errors.js";
import type { CoreState, ShutdownSummary } from "./node-core.js";
import {
  NodeShell,
  RESULT_AND_LABEL_OUTPUTS,
  joinGraph,
  type SpikenodeOptions,
} from "./node-shell.js";
import type { NodeParams } from "./parameters.js";
import type { RclLifecycleNode, RclLifecyclePublisher, RclLifecycleState } from "./rcl-types.js";

export class SpikenodeLifecycleNode {
  readonly node: RclLifecycleNode;
  private readonly shell: NodeShell;
  private readonly codes: { SUCCESS: number; FAILURE: number; ERROR: number };
  private lifecyclePubs: RclLifecyclePublisher[] = [];
  private draining: Promise<void> = Promise.resolve();
  private finished?: Promise<ShutdownSummary>;
  private left = false;
  private readonly finalized: Promise<ShutdownSummary>;
  private onFinalized!: (summary: Promise<ShutdownSummary>) => void;

  private constructor(options: SpikenodeOptions, node: RclLifecycleNode) {
    this.node = node;
    this.finalized = new Promise((resolve) => (this.onFinalized = resolve));
    this.codes = options.rcl.lifecycle.CallbackReturnCode;
    this.shell = new NodeShell(options, node, "managed");
  }

  /**
   * Joins the graph as an unconfigured managed node: parameters declared (values are checked
   * by configure), /diagnostics advertised with its timer, transition callbacks registered,
   * spinning. Throws NodeStartError only for what rcl itself refuses (a parameter of the wrong
   * type, a message type rclnodejs lacks).
   */
  static async create(options: SpikenodeOptions): Promise<SpikenodeLifecycleNode> {
    const node = await joinGraph(options, (name, ns) => options.rcl.createLifecycleNode(name, ns));
    const self = new SpikenodeLifecycleNode(options, node);
    try {
      self.shell.declareParameters();
      self.shell.createPublishers(["diagnostics"], (type, topic, opts) =>
        node.createPublisher(type, topic, opts),
      );
    } catch (err) {
      await self.shell.core.abandon();
      self.shell.leaveGraph();
      throw err;
    }
    node.registerOnConfigure((prev) => self.transition("configure", prev, () => self.configure()));
    node.registerOnActivate((prev) => self.transition("activate", prev, () => self.activate()));
    node.registerOnDeactivate((prev) =>
      self.transition("deactivate", prev, () => self.deactivate()),
    );
    node.registerOnCleanup((prev) => self.transition("cleanup", prev, () => self.cleanup()));
    node.registerOnShutdown((prev) => self.transition("shutdown", prev, () => self.shutdown()));
    node.registerOnError((prev) => self.onError(prev));
    self.shell.createReloadService();
    self.shell.startDiagnostics();
    node.spin();
    self.shell.logger.info(
      `spikenode (managed) is unconfigured; drive it with \`ros2 lifecycle set ${node.getFullyQualifiedName()} configure\` then activate, or a lifecycle manager`,
    );
    return self;
  }

  /**
   * Runs one transition's work: SUCCESS when it happened, FAILURE (logged, on /diagnostics) when
   * it was refused for a reason the user can fix, ERROR for anything else (onError then runs).
   */
  private transition(name: string, previous: RclLifecycleState, work: () => string): number {
    try {
      const line = work();
      this.shell.logger.info(`${name} (from ${previous.label}): ${line}`);
      return this.codes.SUCCESS;
    } catch (err) {
      if (err instanceof NodeStartError) {
        this.shell.logger.error(`${name} failed: ${err.message}`);
        this.shell.core.publishDiagnostics();
        return this.codes.FAILURE;
      }
      this.shell.logger.error(`${name} failed: ${message(err)}`);
      return this.codes.ERROR;
    }
  }

  private configure(): string {
    const core = this.shell.core;
    const info = core.configure();
    try {
      this.shell.createPublishers(RESULT_AND_LABEL_OUTPUTS, (type, topic, opts) => {
        const pub = this.node.createLifecyclePublisher(type, topic, opts);
        this.lifecyclePubs.push(pub);
        return pub;
      });
    } catch (err) {
      this.releasePublishers();
      core.cleanup();
      throw err;
    }
    core.publishDiagnostics();
    return info
      ? `model ${info.modelName} checked (${info.labels.length} classes, ${info.timesteps} ticks of ${info.dt} s, ${info.presentation}); publishers created, inactive`
      : `parameters checked; model "${core.parameters().model}" could not be read on this thread (a .nir file is read only by the engine worker, at activate, which reports a failure on /diagnostics); publishers created, inactive`;
  }

  private activate(): string {
    const core = this.shell.core;
    for (const pub of this.lifecyclePubs) pub.activate();
    try {
      void core.activate().then(
        (info) => this.shell.logger.info(`model ${info.modelName} loaded: classifying`),
        () => undefined, // logged and on /diagnostics through the core
      );
    } catch (err) {
      for (const pub of this.lifecyclePubs) pub.deactivate();
      throw err;
    }
    try {
      this.shell.subscribeImages();
    } catch (err) {
      this.draining = core.deactivate();
      for (const pub of this.lifecyclePubs) pub.deactivate();
      throw err;
    }
    core.publishDiagnostics();
    const input = core.imageInput();
    return `taking ${input.topic} (${input.type}); the engine worker is loading the model, frames wait for it`;
  }

  private deactivate(): string {
    const core = this.shell.core;
    this.shell.unsubscribeImages();
    for (const pub of this.lifecyclePubs) pub.deactivate();
    const inFlight = core.stats();
    this.draining = core.deactivate();
    core.publishDiagnostics();
    const accepted = inFlight.waiting + inFlight.inFlight;
    return `stopped taking frames; ${accepted} accepted frame(s) finish in the worker, their results are not published`;
  }

  private cleanup(): string {
    this.releasePublishers();
    this.shell.core.cleanup();
    this.shell.core.publishDiagnostics();
    return "publishers destroyed, model released; unconfigured";
  }

  private shutdown(): string {
    this.shell.unsubscribeImages();
    for (const pub of this.lifecyclePubs) pub.deactivate();
    this.finished ??= this.shell.core.shutdown();
    this.onFinalized(this.finished);
    return "stopped taking frames; finishing the accepted ones, then finalized";
  }

  /** After a callback's ERROR: back to a clean unconfigured node, or FAILURE (finalized) if that fails. */
  private onError(previous: RclLifecycleState): number {
    try {
      this.shell.unsubscribeImages();
      const core = this.shell.core;
      if (core.state === "active") this.draining = core.deactivate();
      if (core.state === "inactive") {
        this.releasePublishers();
        core.cleanup();
      }
      this.shell.logger.warn(
        `recovered from an error in a transition from ${previous.label}: unconfigured`,
      );
      return this.codes.SUCCESS;
    } catch (err) {
      this.shell.logger.error(`could not recover from a transition error: ${message(err)}`);
      return this.codes.FAILURE;
    }
  }

  private releasePublishers(): void {
    this.shell.destroyPublishers(RESULT_AND_LABEL_OUTPUTS);
    this.lifecyclePubs = [];
  }

  // --- state --------------------------------------------------------------------------------

  /** rcl's lifecycle state (its label: "unconfigured", "inactive", "active", "finalized", ...). */
  get lifecycleState(): RclLifecycleState {
    return this.node.currentState;
  }

  /** The core's state; equals the lifecycle state's label outside transitions. */
  get state(): CoreState {
    return this.shell.core.state;
  }

  stats(): PipelineStats {
    return this.shell.core.stats();
  }

  parameters(): Readonly<NodeParams> {
    return this.shell.core.parameters();
  }

  pipelineInfo(): PipelineInfo | undefined {
    return this.shell.core.pipelineInfo();
  }

  /** Results that finished while the node was not active (not published). */
  withheldResults(): number {
    return this.shell.core.withheldResults();
  }

  /** Resolves when the pipelines a deactivate (or a failed activate) stopped have drained. */
  drained(): Promise<void> {
    return this.draining;
  }

  /**
   * Resolves with the counts once a shutdown transition (from `ros2 lifecycle set`, a lifecycle
   * manager or stop()) has run and the frames in flight are finished.
   */
  untilFinalized(): Promise<ShutdownSummary> {
    return this.finalized;
  }

  /**
   * Ends the node: the shutdown transition from whatever primary state it is in (unless it is
   * finalized already), the frames in flight finished, then it leaves the graph. For the
   * process's end (SIGINT) and tests; safe to call more than once.
   */
  async stop(): Promise<ShutdownSummary> {
    if (!this.finished) {
      try {
        this.node.shutdown();
      } catch (err) {
        // Not in a primary state (a transition is under way, or ErrorProcessing): finish anyway.
        this.shell.logger.warn(`shutdown transition not available (${message(err)}); stopping`);
        this.shutdown();
      }
    }
    const summary = await this.finished!;
    if (!this.left) {
      this.left = true;
      this.shell.leaveGraph();
    }
    return summary;
  }
}
