/**
 * One exit-code convention for the whole command line (README "Exit codes"): 0 for success and
 * help, 2 for every usage or input error whether commander or our code finds it; unknown
 * commands and options are errors everywhere, `run` included.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  runCli(args, { timeout: 60_000, env, cwd: tempDir("spikenode-usage-") });

const COMMANDS = ["train", "eval", "info", "infer", "bench", "run", "sample-bag", "replay"];

describe("usage errors", () => {
  it("an unknown command is an error that names it and lists the real commands", () => {
    const r = cli(["frobnicate"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown command 'frobnicate'/);
    for (const c of COMMANDS) expect(r.stderr).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    expect(r.stdout).toBe("");
  });

  it("commander's errors exit 2 like ours; help exits 0", () => {
    const unknown = cli(["info", "--bogus"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown option '--bogus'/);
    const missing = cli(["replay"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error: missing required argument 'bag'/);
    const ours = cli(["infer", "--model", "no-such-model", "--input", "x.f32"]);
    expect(ours.status).toBe(2);
    expect(ours.stderr).toMatch(/^spikenode: /);
    const bare = cli([]);
    expect(bare.status).toBe(2);
    expect(cli(["--help"]).status).toBe(0);
    expect(cli(["replay", "--help"]).status).toBe(0);
  });

  it("run refuses an unknown option and a stray argument before doing anything", () => {
    const env = { ...process.env };
    delete env.ROS_DISTRO;
    const option = cli(["run", "--frobnicate"], env);
    expect(option.status).toBe(2);
    expect(option.stderr).toBe(
      "spikenode: run: unknown option '--frobnicate'; run takes --require-ros, --timesteps, --early-exit and ROS arguments after --ros-args (see spikenode run --help)\n",
    );
    const stray = cli(["run", "extra", "--ros-args", "-p", "top_k:=3"], env);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/^spikenode: run: unexpected argument 'extra'/);
    // After the ROS section closes with --, nothing else is ours either.
    const after = cli(["run", "--ros-args", "-p", "top_k:=3", "--", "--frobnicate"], env);
    expect(after.status).toBe(2);
    expect(after.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it("replay --rate 0 is refused like --rate -1", () => {
    for (const rate of ["0", "-1"]) {
      const r = cli(["replay", "samples-not-needed.mcap", `--rate=${rate}`]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^spikenode: --rate ${rate}: give a speed factor > 0`));
    }
  });
});
