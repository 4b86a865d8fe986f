import type { Command } from "commander";
import type { CommandModule } from "./index.js";

/**
 * `spikenode run`: the ROS 2 node when ROS 2 is sourced and rclnodejs loads; otherwise one line
 * saying why, then the embedded default. ROS arguments pass through untouched: rcl reads them
 * from the process's argv (`--ros-args -r __ns:=/cam1 -p model:=... --params-file f.yaml`).
 */
export const runCommand: CommandModule = {
  name: "run",
  summary:
    "Classify a camera topic as the ROS 2 node spikenode (without ROS 2: replay the shipped sample).",
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
      .addHelpText(
        "after",
        [
          "",
          "Examples:",
          "  spikenode run --ros-args -p image_topic:=/camera/image_raw",
          "  spikenode run --ros-args -r __ns:=/front -p model:=models/fashion-mnist-lif --params-file params.yaml",
          "  ros2 run spikenode spikenode_node --ros-args -p compressed:=true",
        ].join("\n"),
      );
  },
  async load() {
    return async (command: Command) => {
      const [{ loadRclnodejs }, { UserError }] = await Promise.all([
        import("../../ros/load-rclnodejs.js"),
        import("../fatal.js"),
      ]);
      const requireRos = (command.opts() as { requireRos?: boolean }).requireRos === true;
      const loaded = await loadRclnodejs();
      if (!loaded.ok) {
        if (requireRos) throw new UserError(`cannot join the ROS 2 graph: ${loaded.reason}`);
        process.stderr.write(
          `spikenode: not joining a ROS 2 graph (${loaded.reason}); running the embedded default\n`,
        );
        await runEmbeddedDefault();
        return;
      }
      const [{ runRosNode }, { createPipeline }, { BUILTIN_PROFILES }] = await Promise.all([
        import("../../ros/run-node.js"),
        import("../../stream/index.js"),
        import("../../power/index.js"),
      ]);
      const summary = await runRosNode({
        rcl: loaded.rcl,
        createPipeline,
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
 * ($SPIKENODE_MODEL overrides it), printing classifications and power and writing the output
 * bag under out/, through `spikenode replay`'s runEmbeddedDefault.
 */
async function runEmbeddedDefault(): Promise<void> {
  const { runEmbeddedDefault: replaySample } = await import("./replay.js");
  await replaySample();
}
