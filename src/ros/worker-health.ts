/**
 * What the node knows about its engine worker's crashes (Pipeline.workerEvents$): whether one is
 * down right now and why (diagnostics ERROR while it is), how often it crashed and restarted
 * (diagnostics values), and the log lines for each. Kept apart from the core so a managed
 * (lifecycle) variant reports the same way.
 */
import type { WorkerEvent } from "../stream/types.js";

export class WorkerHealth {
  private crashes = 0;
  private restarts = 0;
  private consecutive = 0;
  private lastCrash?: string;
  /** The reason no worker runs right now, if none does. */
  down?: string;

  /** Records an event of the running pipeline's worker; returns the line to log and its level. */
  onEvent(event: WorkerEvent, modelName: string): { level: "error" | "info"; line: string } {
    if (event.type === "crashed") {
      this.crashes += 1;
      this.consecutive = event.consecutive;
      this.lastCrash = event.reason;
      const again =
        event.consecutive > 1
          ? `; ${event.consecutive} crashes in a row with no frame finished, so the restart waits ${seconds(event.restartInMs)} s`
          : "";
      this.down =
        `the engine worker crashed (${event.reason}); ${event.framesDropped} frame(s) in flight dropped; ` +
        `restarting it with model ${modelName}${again}`;
      return { level: "error", line: this.down };
    }
    this.restarts += 1;
    this.consecutive = 0;
    this.down = undefined;
    return {
      level: "info",
      line: `the engine worker runs again with model ${event.info.modelName} (restart ${this.restarts} since start)`,
    };
  }

  /** A new pipeline replaced the one whose worker was down. */
  replaced(): void {
    this.down = undefined;
    this.consecutive = 0;
  }

  /** Diagnostics values; none until the first crash, so a healthy node's report is unchanged. */
  facts(): Record<string, string> {
    if (this.crashes === 0) return {};
    return {
      worker_crashes: String(this.crashes),
      worker_restarts: String(this.restarts),
      worker_crashes_in_a_row: String(this.consecutive),
      worker_last_crash: this.lastCrash ?? "",
    };
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1);
}
