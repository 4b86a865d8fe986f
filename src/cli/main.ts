#!/usr/bin/env node
/**
 * The `spikenode` command. Each subcommand lives in its own module under `commands/` and is
 * imported only when chosen, so `spikenode info` never pays for loading TensorFlow.js or sharp.
 *
 * Exit codes, one convention for every command: 0 success (and --help); 2 a usage or input
 * error, whether commander found it (unknown option or command, missing argument) or we did (a
 * bad value, a missing file, a bad model); 70 an internal error (a bug: the stack is printed);
 * 130 stopped by a second Ctrl-C.
 */
import { Command, CommanderError } from "commander";
import { commandModules } from "./commands/index.js";
import { reportFatal, USAGE_EXIT_CODE } from "./fatal.js";

function buildProgram(): Command {
  const program = new Command("spikenode")
    .description("Spiking LIF networks that classify camera frames, on ROS 2 or from bags.")
    .showHelpAfterError()
    // Inherited by every subcommand declared below: commander throws instead of exiting, so its
    // errors get our exit code (it exits 1 by default).
    .exitOverride();
  for (const mod of commandModules) {
    const command = program.command(mod.name).description(mod.summary);
    command.allowUnknownOption(mod.passThroughUnknown ?? false);
    mod.configure(command);
    command.action(async (...args: unknown[]) => {
      const impl = await mod.load();
      await impl(command, ...args);
    });
  }
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (and the help after it). Help and --version
      // asked for are success; everything else, a bare `spikenode` included, is a usage error.
      process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT_CODE);
    }
    throw err;
  }
}

main(process.argv).catch(reportFatal);
