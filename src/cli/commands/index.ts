import type { Command } from "commander";
import { trainCommand } from "./train.js";
import { evalCommand } from "./eval.js";
import { runCommand } from "./run.js";
import { infoCommand } from "./info.js";
import { inferCommand } from "./infer.js";
import { benchCommand } from "./bench.js";
import { sampleBagCommand } from "./sample-bag.js";
import { replayCommand } from "./replay.js";
import { eventsInfoCommand } from "./events-info.js";
import { importNirCommand } from "./import-nir.js";
import { exportNirCommand } from "./export-nir.js";

/** One subcommand: declared eagerly (for --help), implemented lazily. */
export interface CommandModule {
  name: string;
  summary: string;
  /** Add arguments and options. */
  configure(command: Command): void;
  /** Import the implementation; it receives the command and commander's action arguments. */
  load(): Promise<(command: Command, ...args: unknown[]) => Promise<void>>;
  passThroughUnknown?: boolean;
}

// Each command module adds itself here, one line each.
export const commandModules: CommandModule[] = [
  trainCommand,
  evalCommand,
  infoCommand,
  inferCommand,
  benchCommand,
  runCommand,
  sampleBagCommand,
  replayCommand,
  eventsInfoCommand,
  importNirCommand,
  exportNirCommand,
];
