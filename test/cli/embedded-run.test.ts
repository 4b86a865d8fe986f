/**
 * `spikenode run` without ROS 2: the node's -p and --params-file parameters are read as rcl reads
 * them, checked with the node's own declarations (src/ros/parameters.ts), and applied to the
 * embedded replay, or refused with the reason.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { embeddedReplayOptions } from "../../src/cli/embedded-params.js";
import { UserError } from "../../src/cli/fatal.js";
import { checkRunArgs, parseRosArgs } from "../../src/cli/ros-args.js";
import { BUILTIN_PROFILES } from "../../src/power/index.js";
import { ROOT, runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const GOLDEN = join(ROOT, "test/fixtures/golden");
const PROFILES = BUILTIN_PROFILES.map((p) => p.name);
const options = (...args: string[]) =>
  embeddedReplayOptions(parseRosArgs(["--ros-args", ...args]).params, PROFILES);

describe("ROS arguments read as rcl reads them", () => {
  it("-p values are YAML scalars, params files are expanded in place, later values win", () => {
    const dir = tempDir();
    const file = join(dir, "p.yaml");
    writeFileSync(
      file,
      "/**:\n  ros__parameters:\n    top_k: 2\n    early_exit: true\nother_node:\n  ros__parameters:\n    top_k: 9\n",
    );
    const r = parseRosArgs([
      "--ros-args",
      "-p",
      "top_k:=1",
      "--params-file",
      file,
      "--param",
      "dt:=0.002",
      "-r",
      "__ns:=/front",
      "--log-level",
      "debug",
      "-p",
      "model:=fashion-mnist-lif",
      "--",
    ]);
    expect(r.params.map((p) => [p.name, p.value])).toEqual([
      ["top_k", 1],
      ["top_k", 2],
      ["early_exit", true],
      ["dt", 0.002],
      ["model", "fashion-mnist-lif"],
    ]);
    expect(r.graphOnly).toEqual(["-r __ns:=/front", "--log-level debug"]);
    // -r __node renames the node, and so which params-file sections apply (/** always does).
    const renamed = parseRosArgs(["--ros-args", "--params-file", file, "-r", "__node:=other_node"]);
    expect(renamed.params.map((p) => [p.name, p.value])).toEqual([
      ["top_k", 2],
      ["early_exit", true],
      ["top_k", 9],
    ]);
  });

  it("refuses what rcl would not parse, naming it", () => {
    expect(() => parseRosArgs(["--ros-args", "-p", "top_k"])).toThrow(
      /-p top_k: write name:=value/,
    );
    expect(() => parseRosArgs(["--ros-args", "-p"])).toThrow(/-p: a value must follow/);
    expect(() => parseRosArgs(["--ros-args", "--frob"])).toThrow(/'--frob' is not a ROS argument/);
    expect(() => parseRosArgs(["--ros-args", "--params-file", "/no/such.yaml"])).toThrow(
      /--params-file \/no\/such\.yaml: cannot be read/,
    );
    expect(() => checkRunArgs(["--frobnicate"])).toThrow(/unknown option '--frobnicate'/);
    expect(() => checkRunArgs(["--ros-args", "-p", "a:=b", "--", "x"])).toThrow(
      /unexpected argument 'x'/,
    );
    expect(() => checkRunArgs(["--ros-args", "-p", "a:=b", "--"])).not.toThrow();
    expect(() => checkRunArgs([])).not.toThrow();
  });

  it("fuzz: any argument list either parses or is refused with a UserError", () => {
    const token = fc.oneof(
      fc.constantFrom(
        "--ros-args",
        "--",
        "-p",
        "--param",
        "-r",
        "-e",
        "--log-level",
        "--enable-rosout-logs",
      ),
      fc.string({ maxLength: 12 }),
      fc
        .tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }))
        .map(([a, b]) => `${a}:=${b}`),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), (args) => {
        try {
          const r = parseRosArgs(args);
          for (const p of r.params) expect(typeof p.name).toBe("string");
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
        }
      }),
    );
  });
});

describe("the node's parameters in embedded mode", () => {
  it("maps every honoured parameter onto the replay", () => {
    const o = options(
      "-p",
      `model:=${GOLDEN}`,
      "-p",
      "timesteps:=50",
      "-p",
      "dt:=0.002",
      "-p",
      "encoder:=poisson",
      "-p",
      "presentation:=reset",
      "-p",
      "early_exit:=true",
      "-p",
      "early_exit_margin:=2",
      "-p",
      "top_k:=3",
      "-p",
      "publish_scores:=false",
      "-p",
      "max_image_pixels:=1000000",
    );
    expect(o).toEqual({
      model: GOLDEN,
      timesteps: 50,
      pipeline: {
        dt: 0.002,
        encoder: { type: "poisson", max_rate: 1000 },
        maxImagePixels: 1_000_000,
      },
      presentation: "reset",
      earlyExit: { margin: 2, holdTicks: 10 },
      topK: 3,
      publishScores: false,
    });
    // The defaults (timesteps 0, dt 0, encoder/presentation "model") leave the model's own.
    expect(options("-p", "timesteps:=0", "-p", "dt:=0", "-p", "encoder:=model")).toEqual({});
    // The package's params.yaml (every parameter at its default) is accepted as it is.
    const shipped = options("--params-file", join(ROOT, "launch/params.yaml"));
    expect(shipped.model).toBe(join(ROOT, "models/fashion-mnist-lif"));
    expect(shipped.earlyExit).toBeUndefined();
  });

  it("refuses a bad value with the node's reason and where it was set", () => {
    expect(() => options("-p", "model:=/nonexistent")).toThrow(
      /^-p model:=\/nonexistent: model "\/nonexistent": no model\.json in \/nonexistent/,
    );
    expect(() => options("-p", "timesteps:=-1")).toThrow(
      /^-p timesteps:=-1: timesteps: -1 is out of range \(0 \(model default\) to 100000\)/,
    );
    expect(() => options("-p", "top_k:=abc")).toThrow(
      /top_k: expected an integer, got the string "abc"/,
    );
    expect(() => options("-p", "power_profile:=nope")).toThrow(
      /"nope" is not a known profile; known: /,
    );
    expect(() => options("-p", "bogus:=1")).toThrow(
      /spikenode has no parameter bogus; its parameters are model, /,
    );
    expect(() => options("-p", "early_exit_margin:=2")).toThrow(
      /early exit is off; add -p early_exit:=true/,
    );
  });

  it("refuses the subscription parameters, which need a graph, unless they are the default", () => {
    expect(() => options("-p", "image_topic:=/camera/image_raw")).toThrow(
      /image_topic chooses the camera subscription, and there is no ROS 2 graph.*spikenode replay BAG --topic TOPIC/,
    );
    expect(() => options("-p", "compressed:=true")).toThrow(
      /compressed chooses the camera subscription/,
    );
    expect(options("-p", "image_topic:=image_raw", "-p", "compressed:=false")).toEqual({});
  });

  it.skipIf(process.env.ROS_DISTRO !== undefined)(
    "the command applies them: -p model/timesteps/early_exit and --timesteps (ROS_DISTRO unset)",
    () => {
      const cwd = tempDir();
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.ROS_DISTRO;
      const bad = runCli(["run", "--ros-args", "-p", "model:=/nonexistent", "-p", "timesteps:=0"], {
        cwd,
        env,
      });
      expect(bad.status).toBe(2);
      expect(bad.stderr.split("\n")[1]).toMatch(
        /^spikenode: -p model:=\/nonexistent: model "\/nonexistent": no model\.json/,
      );
      expect(existsSync(join(cwd, "out"))).toBe(false);

      const good = runCli(
        [
          "run",
          "--timesteps",
          "30",
          "--ros-args",
          "-p",
          `model:=${GOLDEN}`,
          "-p",
          "timesteps:=80",
          "-p",
          "early_exit:=true",
          "-p",
          "early_exit_margin:=1.0",
          "-r",
          "__ns:=/front",
        ],
        { cwd, env },
      );
      expect(good.stderr).not.toMatch(/internal error/);
      expect(good.status).toBe(0);
      expect(good.stderr).toContain(
        "ignored without a ROS 2 graph (they name or configure graph entities): -r __ns:=/front",
      );
      // --timesteps wins over -p timesteps; the early exit comes from the -p parameters.
      expect(good.stdout).toMatch(
        /with golden-dense \(30 ticks of 1 ms, reset, early exit at a lead of 1 for 10 ticks: [\d.]+ ticks per frame on average\)/,
      );
      expect(good.stdout).toMatch(/^frames 90: classified 90, errors 0/m);
    },
  );
});
