/**
 * `spikenode run`: ROS arguments pass through the CLI untouched, and without ROS 2 it says why
 * in one line.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/commands/run.js";
import { loadRclnodejs } from "../../src/ros/load-rclnodejs.js";

const ROOT = path.join(import.meta.dirname, "../..");

function parse(argv: string[]): { opts: Record<string, unknown>; args: string[] } {
  const program = new Command("spikenode").exitOverride();
  const command = program.command(runCommand.name);
  command.allowUnknownOption(runCommand.passThroughUnknown ?? false);
  runCommand.configure(command);
  let seen: { opts: Record<string, unknown>; args: string[] } | undefined;
  command.action(() => {
    seen = { opts: command.opts(), args: command.args };
  });
  program.parse(argv, { from: "user" });
  return seen!;
}

describe("spikenode run", () => {
  it("accepts the ROS arguments launch and users pass, leaving them for rcl", () => {
    const launchArgs = [
      "--ros-args",
      "-r",
      "__node:=spikenode",
      "-r",
      "__ns:=/front",
      "--params-file",
      "/tmp/launch_params_x",
      "-p",
      "model:=m",
    ];
    expect(parse(["run", "--require-ros", ...launchArgs])).toEqual({
      opts: { requireRos: true },
      args: launchArgs,
    });
    expect(parse(["run", "--ros-args", "-p", "top_k:=3", "--"]).args).toEqual([
      "--ros-args",
      "-p",
      "top_k:=3",
      "--",
    ]);
    expect(parse(["run"])).toEqual({ opts: {}, args: [] });
  });

  it("explains in one line why it does not join a ROS graph", async () => {
    expect(await loadRclnodejs({})).toEqual({
      ok: false,
      reason: "ROS 2 is not sourced (ROS_DISTRO is unset)",
    });
    const missing = await loadRclnodejs({ ROS_DISTRO: "humble" });
    if (!missing.ok)
      expect(missing.reason).toMatch(
        /^rclnodejs could not be loaded \(.*\); install it .*after sourcing ROS 2 humble$/,
      );
  });

  it.skipIf(process.env.ROS_DISTRO !== undefined)(
    "without ROS 2: one line on stderr; --require-ros fails with the reason (ROS_DISTRO unset)",
    () => {
      // The fallback replays the sample for real: keep it small (fixture model) and write its
      // output bag under the OS temp dir, not into the checkout.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        SPIKENODE_MODEL: path.join(ROOT, "test/fixtures/golden"),
      };
      delete env.ROS_DISTRO;
      const cwd = mkdtempSync(path.join(tmpdir(), "spikenode-run-"));
      const cli = (...args: string[]) =>
        spawnSync(
          process.execPath,
          ["--import", "tsx", path.join(ROOT, "src/cli/main.ts"), "run", ...args],
          { cwd, env, encoding: "utf8" },
        );
      const required = cli("--require-ros", "--ros-args", "-p", "top_k:=3");
      expect(required.status).toBe(2);
      expect(required.stderr).toBe(
        "spikenode: cannot join the ROS 2 graph: ROS 2 is not sourced (ROS_DISTRO is unset)\n",
      );
      const fallback = cli();
      expect(fallback.stderr.split("\n")[0]).toBe(
        "spikenode: not joining a ROS 2 graph (ROS 2 is not sourced (ROS_DISTRO is unset)); running the embedded default",
      );
    },
  );
});
