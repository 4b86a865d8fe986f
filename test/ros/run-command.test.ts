/**
 * `spikenode run`: ROS arguments pass through the CLI untouched, and without ROS 2 it says why
 * in one line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/commands/run.js";
import { loadRclnodejs } from "../../src/ros/load-rclnodejs.js";
import { runCli, startCli } from "../support/cli.js";

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
      "launch_params_x.yaml",
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
      const cli = (...args: string[]) => runCli(["run", ...args], { cwd, env });
      try {
        const required = cli("--require-ros", "--ros-args", "-p", "top_k:=3");
        expect(required.status).toBe(2);
        expect(required.stderr).toBe(
          "spikenode: cannot join the ROS 2 graph: ROS 2 is not sourced (ROS_DISTRO is unset)\n",
        );
        const fallback = cli();
        expect(fallback.stderr.split("\n")[0]).toBe(
          "spikenode: not joining a ROS 2 graph (ROS 2 is not sourced (ROS_DISTRO is unset)); running the embedded default",
        );
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    },
  );
});

describe.skipIf(!process.env.ROS_DISTRO)(
  `spikenode run in a ROS 2 graph${process.env.ROS_DISTRO ? "" : " (needs ROS 2: ROS_DISTRO unset)"}`,
  () => {
    it("classifies a peer's camera frame with its header, then stops cleanly on SIGINT", async () => {
      const { BACKENDS, Peer, header, imageCdr, waitFor } = await import("./helpers.js");
      const rcl = await BACKENDS.find((b) => b.name === "real rclnodejs")!.create();
      await rcl.init(undefined, ["node", "run-test"]);
      const cwd = mkdtempSync(path.join(tmpdir(), "spikenode-run-"));
      let output = "";
      const child = startCli(
        [
          "run",
          "--require-ros",
          "--ros-args",
          "-r",
          "__ns:=/run_test",
          "-p",
          `model:=${path.join(ROOT, "test/fixtures/golden")}`,
        ],
        { cwd, env: process.env, stdio: ["ignore", "pipe", "pipe"] },
      );
      child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      try {
        const peer = new Peer(rcl, "run_test_peer");
        const got = peer.listen(
          "/run_test/spikenode/classification",
          "vision_msgs/msg/Classification",
        );
        await waitFor(() => output.includes("spikenode ready"), "spikenode ready", 30_000);
        const camera = peer.camera("/run_test/image_raw");
        // Discovery between processes takes a moment: publish until the first result comes.
        for (let i = 0; got.length === 0 && i < 100; i++) {
          camera.publish(imageCdr(header(7), 28, 28, 200));
          await new Promise((r) => setTimeout(r, 100));
        }
        await waitFor(() => got.length > 0, "a classification", 10_000);
        const first = got[0] as { header: unknown; results: { class_id: string }[] };
        expect(first.header).toEqual(header(7));
        expect(first.results.length).toBeGreaterThan(0);
        child.kill("SIGINT");
        expect(await exited).toBe(0);
        // Every frame accepted was classified or counted as dropped before the node left.
        const stopped =
          /stopped: (\d+) frames received, (\d+) classified, (\d+) dropped, 0 refused/.exec(output);
        expect(stopped).not.toBeNull();
        const [received, classified, dropped] = stopped!.slice(1).map(Number);
        expect(classified).toBeGreaterThan(0);
        expect(classified + dropped).toBe(received);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
        rcl.shutdown();
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  },
);
