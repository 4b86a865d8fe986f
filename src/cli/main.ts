#!/usr/bin/env node
/**
 * The `spikenode` command. Each subcommand lives in its own module under `commands/` and is
 * imported only when chosen, so `spikenode info` never pays for loading TensorFlow.js or sharp.
 */
import { Command } from "commander";
import { commandModules } from "./commands/index.js";
import { reportFatal } from "./fatal.js";

async function main(argv: string[]): Promise<void> {
  const program = new Command("spikenode")
    .description("Spiking LIF networks that classify camera frames, on ROS 2 or from bags.")
    .showHelpAfterError();
  for (const mod of commandModules) {
    const command = program.command(mod.name).description(mod.summary);
    command.allowUnknownOption(mod.passThroughUnknown ?? false);
    mod.configure(command);
    command.action(async (...args: unknown[]) => {
      const impl = await mod.load();
      await impl(command, ...args);
    });
  }
  await program.parseAsync(argv);
}

main(process.argv).catch(reportFatal);
