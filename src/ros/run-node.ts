/**
 * Runs the node until SIGINT or SIGTERM, then shuts it down cleanly: frames already accepted
 * are finished and published (or counted), and only then does the node leave the graph.
 *
 * rclnodejs installs its own SIGINT handler that shuts every context down at once, which would
 * drop the results still in the worker; it is removed here in favour of SpikenodeNode.stop().
 * A second signal exits at once.
 */
import { SpikenodeNode, type ShutdownSummary, type SpikenodeOptions } from "./spikenode-node.js";

export interface RunRosOptions extends SpikenodeOptions {
  /** Signals that stop the node. Default SIGINT and SIGTERM. */
  signals?: NodeJS.Signals[];
  /** Called once the node is up (tests use it to reach the node). */
  onStarted?: (node: SpikenodeNode) => void;
  /** What a second signal does while the first is still shutting down. Default: exit 130. */
  onSecondSignal?: (signal: NodeJS.Signals) => void;
}

export async function runRosNode(options: RunRosOptions): Promise<ShutdownSummary> {
  const signals = options.signals ?? ["SIGINT", "SIGTERM"];
  options.rcl.removeSignalHandlers();
  const node = await SpikenodeNode.start(options);
  options.onStarted?.(node);
  return new Promise<ShutdownSummary>((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        (options.onSecondSignal ?? exitNow)(signal);
        return;
      }
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
