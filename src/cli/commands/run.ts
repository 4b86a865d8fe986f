import type { Command } from "commander";
import type { CommandModule } from "./index.js";

/**
 * `spikenode run`: the ROS 2 node when ROS 2 is sourced and rclnodejs loads; otherwise one line
 * saying why, then the embedded default. ROS arguments pass through untouched: rcl reads them
 * from the process's argv (`--ros-args -r __ns:=/cam1 -p model:=... --params-file f.yaml`).
 * Without ROS 2 the embedded default reads the `-p` and `--params-file` parameters itself and
 * applies them with the node's checks (src/cli/embedded-params.ts).
 */
export const runCommand: CommandModule = {
  name: "run",
  summary:
    "Classify a camera topic as the ROS 2 node spikenode (without ROS 2: replay the shipped sample).",
  // Commander cannot declare rcl's grammar; checkRunArgs refuses whatever is not ROS arguments.
  passThroughUnknown: true,
  configure(command: Command) {
    command
      .argument(
        "[ros-args...]",
        "ROS arguments after --ros-args: -r from:=to, -p name:=value, --params-file FILE",
      )
      .option(
        "--require-ros",
        "fail when ROS 2 or rclnodejs is unavailable instead of running the embedded default",
      )
      .option(
        "--lifecycle",
        "run as a managed (lifecycle) node: it starts unconfigured; ros2 lifecycle set or a lifecycle manager configures and activates it",
      )
      .option(
        "--timesteps <T>",
        "without ROS 2: ticks per frame (the node's parameter: -p timesteps:=T)",
      )
      .option(
        "--early-exit <margin:hold[:min]>",
        "without ROS 2: stop a frame once the winner leads by margin for hold ticks (the node's: -p early_exit:=true -p early_exit_margin:=M -p early_exit_hold_ticks:=K)",
      )
      .addHelpText(
        "after",
        [
          "",
          "Without ROS 2 the shipped sample bag is replayed with the node's parameters: -p and",
          "--params-file values are checked as the node checks them and applied (image_topic and",
          "compressed, which choose a subscription, are refused); remaps and log settings have no",
          "graph to act on and are reported as ignored. --timesteps and --early-exit win over -p.",
          "",
          "Examples:",
          "  spikenode run --ros-args -p image_topic:=/camera/image_raw",
          "  spikenode run --ros-args -r __ns:=/front -p model:=models/fashion-mnist-lif --params-file params.yaml",
          "  spikenode run --ros-args -p timesteps:=150 -p early_exit:=true   # without ROS 2: the sample, 150 ticks",
          "  ros2 run spikenode spikenode_node --ros-args -p compressed:=true",
          "  ros2 run spikenode spikenode_lifecycle_node   # = spikenode run --require-ros --lifecycle",
        ].join("\n"),
      );
  },
  async load() {
    return async (command: Command) => {
      const [{ loadRclnodejs }, { UserError }, { checkRunArgs }] = await Promise.all([
        import("../../ros/load-rclnodejs.js"),
        import("../fatal.js"),
        import("../ros-args.js"),
      ]);
      checkRunArgs(command.args);
      const opts = command.opts<{
        requireRos?: boolean;
        lifecycle?: boolean;
        timesteps?: string;
        earlyExit?: string;
      }>();
      const loaded = await loadRclnodejs();
      if (!loaded.ok) {
        if (opts.requireRos || opts.lifecycle)
          throw new UserError(
            `cannot join the ROS 2 graph${opts.lifecycle ? " (a lifecycle node needs one)" : ""}: ${loaded.reason}`,
          );
        process.stderr.write(
          `spikenode: not joining a ROS 2 graph (${loaded.reason}); running the embedded default\n`,
        );
        await runEmbeddedDefault(command.args, opts);
        return;
      }
      for (const [flag, given, param] of [
        ["--timesteps", opts.timesteps, "-p timesteps:=T"],
        [
          "--early-exit",
          opts.earlyExit,
          "-p early_exit:=true -p early_exit_margin:=M -p early_exit_hold_ticks:=K",
        ],
      ] as const) {
        if (given !== undefined) {
          throw new UserError(
            `run ${flag}: in a ROS 2 graph the node takes it as a parameter, which ros2 param set can change later: --ros-args ${param}`,
          );
        }
      }
      const [
        { runRosNode, runLifecycleNode },
        { checkPipeline, createPipeline },
        { BUILTIN_PROFILES },
      ] = await Promise.all([
        import("../../ros/run-node.js"),
        import("../../stream/index.js"),
        import("../../power/index.js"),
      ]);
      const summary = await (opts.lifecycle ? runLifecycleNode : runRosNode)({
        rcl: loaded.rcl,
        createPipeline,
        // configure (and the plain node's start) refuses what the worker would, at once.
        checkPipeline,
        argv: process.argv,
        // power_profile is refused at once with the known names rather than when the pipeline loads.
        powerProfiles: BUILTIN_PROFILES.map((p) => p.name),
      });
      if (summary.unfinished > 0) {
        process.stderr.write(
          `spikenode: ${summary.unfinished} accepted frames were not finished at shutdown\n`,
        );
      }
    };
  },
};

/**
 * INTEGRATION POINT (issue 5, replay): without ROS 2 the embedded default replays the shipped
 * sample bag samples/fashion-mnist-camera/ with the default model models/fashion-mnist-lif
 * ($SPIKENODE_MODEL overrides it; so does -p model:=...), printing classifications and power
 * and writing the output bag under out/, through `spikenode replay`'s runEmbeddedDefault.
 */
async function runEmbeddedDefault(
  args: readonly string[],
  opts: { timesteps?: string; earlyExit?: string },
): Promise<void> {
  const [{ parseRosArgs }, { embeddedReplayOptions }, { timestepsOption, earlyExitOption }] =
    await Promise.all([
      import("../ros-args.js"),
      import("../embedded-params.js"),
      import("../options.js"),
    ]);
  const { BUILTIN_PROFILES } = await import("../../power/index.js");
  const ros = parseRosArgs(args);
  const options = embeddedReplayOptions(
    ros.params,
    BUILTIN_PROFILES.map((p) => p.name),
  );
  if (ros.graphOnly.length > 0) {
    process.stderr.write(
      `spikenode: ignored without a ROS 2 graph (they name or configure graph entities): ${ros.graphOnly.join(" ")}\n`,
    );
  }
  const timesteps = timestepsOption(opts.timesteps);
  if (timesteps !== undefined) options.timesteps = timesteps;
  if (opts.earlyExit !== undefined) options.earlyExit = earlyExitOption(opts.earlyExit);
  const { runEmbeddedDefault: replaySample } = await import("./replay.js");
  await replaySample(options);
}
