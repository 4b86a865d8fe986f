/**
 * Runs the node until SIGINT or SIGTERM, then shuts it down cleanly: frames already accepted
 * are finished and published (or counted), and only then does the node leave the graph.
 *
 * The managed variant (runLifecycleNode) ends the same way, and also once a lifecycle client's
 * shutdown transition has finalized it.
 *
 * rclnodejs installs its own SIGINT handler that shuts every context down at once, which would
 * drop the results still in the worker; it is removed here in favour of SpikenodeNode.stop().
 * A second signal exits at once.
 */
import { SpikenodeLifecycleNode } from "./lifecycle-node.js";
import { SpikenodeNode, type ShutdownSummary, type SpikenodeOptions } from "./spikenode-node.js";

export interface RunRosOptions extends SpikenodeOptions {
  /** Signals that stop the node. Default SIGINT and SIGTERM. */
  signals?: NodeJS.Signals[];
  /** Called once the node is up (tests use it to reach the node). */
  onStarted?: (node: SpikenodeNode) => void;
  /** Called once the managed node is up, unconfigured (runLifecycleNode). */
  onCreated?: (node: SpikenodeLifecycleNode) => void;
  /** What a second signal does while the first is still shutting down. Default: exit 130. */
  onSecondSignal?: (signal: NodeJS.Signals) => void;
}

export async function runRosNode(options: RunRosOptions): Promise<ShutdownSummary> {
  options.rcl.removeSignalHandlers();
  const node = await SpikenodeNode.start(options);
  options.onStarted?.(node);
  return untilStopped(node, options);
}

/**
 * The managed node (lifecycle-node.ts), unconfigured until a lifecycle client configures it.
 * Ends when a signal comes (the shutdown transition from whatever state it is in) or when a
 * client's shutdown transition has finalized it: a finalized node can do nothing more.
 */
export async function runLifecycleNode(options: RunRosOptions): Promise<ShutdownSummary> {
  options.rcl.removeSignalHandlers();
  const node = await SpikenodeLifecycleNode.create(options);
  options.onCreated?.(node);
  return untilStopped(node, options, node.untilFinalized());
}

/** Stops the node at the first signal (or when `finished` settles) and resolves with its counts. */
function untilStopped(
  node: { stop(): Promise<ShutdownSummary> },
  options: RunRosOptions,
  finished?: Promise<unknown>,
): Promise<ShutdownSummary> {
  const signals = options.signals ?? ["SIGINT", "SIGTERM"];
  return new Promise<ShutdownSummary>((resolve, reject) => {
    let stopping = false;
    const stop = () => {
      stopping = true;
      node.stop().then(
        (summary) => {
          detach();
          resolve(summary);
        },
        (err: unknown) => {
          detach();
          reject(err);
        },
      );
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) (options.onSecondSignal ?? exitNow)(signal);
      else stop();
    };
    finished?.then(
      () => {
        if (!stopping) stop();
      },
      () => undefined,
    );
    const detach = () => {
      for (const s of signals) process.off(s, onSignal);
    };
    for (const s of signals) process.on(s, onSignal);
  });
}

function exitNow(signal: NodeJS.Signals): void {
  process.stderr.write(
    `spikenode: second ${signal}: exiting without waiting for the frames in flight\n`,
  );
  process.exit(130);
}
