/** The real command line: `spikenode replay` and the embedded default of `spikenode run`, as subprocesses. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ReplaySummary } from "../../src/bag/replay/index.js";
import { runCli } from "../support/cli.js";
import { FIXTURE_MODEL, ROOT, fixtureBag, tempDir } from "./helpers.js";

function spikenode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return runCli(args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env });
}

describe("spikenode replay", () => {
  it("--json prints the summary as one JSON object on stdout and exits 0", () => {
    const out = join(tempDir(), "png-out");
    const r = spikenode([
      "replay",
      fixtureBag("fm_png_10.mcap"),
      "--model",
      FIXTURE_MODEL,
      "--out",
      out,
      "--json",
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const s = JSON.parse(lines[0]) as ReplaySummary;
    expect(s).toMatchObject({
      frames: 10,
      classified: 10,
      errors: 0,
      dropped: 0,
      topic: "/camera/image_raw/compressed",
    });
    expect(s.accuracy!.labelled).toBe(10);
    expect(Object.values(s.classHistogram).reduce((a, b) => a + b, 0)).toBe(10);
    expect(s.output.file).toBe(join(out, "png-out_0.mcap"));
    expect(r.stderr).toContain(`wrote ${s.output.file}`);
  });

  it("without a terminal: a line per frame on stderr, the summary and the output path on stdout", () => {
    const out = join(tempDir(), "mono-out");
    const r = spikenode([
      "replay",
      fixtureBag("fm_mono8_20.mcap"),
      "--model",
      FIXTURE_MODEL,
      "--out",
      out,
      "--limit",
      "3",
    ]);
    expect(r.status).toBe(0);
    const frames = r.stderr.split("\n").filter((l) => l.startsWith("frame "));
    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatch(/^frame 1\/3 {2}t=0\.000 s {2}\d+ \d+%.*J\/frame .*W .* ms$/);
    expect(r.stdout).toMatch(/^frames 3: classified 3, errors 0, dropped 0 in /m);
    expect(r.stdout).toMatch(/^latency mean [\d.]+ ms, p50 [\d.]+ ms, p99 [\d.]+ ms/m);
    expect(r.stdout).toMatch(/^energy per frame [\d.]+ .J/m);
    expect(r.stdout).toMatch(
      /^accuracy [\d.]+% \(\d\/3 against .*fm_mono8_20\.mcap\.labels\.json\)/m,
    );
    expect(r.stdout).toContain(`wrote 13 messages to ${join(out, "mono-out_0.mcap")}`);
  });

  it("a missing bag: exit 2, one line, no stack", () => {
    const r = spikenode(["replay", join(tempDir(), "missing.mcap"), "--model", FIXTURE_MODEL]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^spikenode: bag not found: .*missing\.mcap; check the path .*\n$/);
  });

  it("a bag without images: exit 2, the line lists the topics and their types", () => {
    const r = spikenode([
      "replay",
      fixtureBag("bag_with_topics_and_service_events_sqlite3"),
      "--model",
      FIXTURE_MODEL,
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(r.stderr).toMatch(/has no image topic .* its topics are .*test_msgs\/msg\/Strings/);
  });
});

describe("spikenode run without ROS 2 (the embedded default)", () => {
  it("replays the shipped sample: every frame's class and power on stdout, then the summary and the output bag", () => {
    const cwd = tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, SPIKENODE_MODEL: FIXTURE_MODEL };
    delete env.ROS_DISTRO;
    const r = spikenode(["run"], { cwd, env });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const frames = r.stdout.split("\n").filter((l) => l.startsWith("frame "));
    expect(frames).toHaveLength(90);
    for (const f of frames) expect(f).toMatch(/ \d+% .*J\/frame .*W /);
    expect(r.stdout).toMatch(/^frames 90: classified 90, errors 0, dropped 0/m);
    expect(r.stdout).toMatch(/^accuracy [\d.]+% \(\d+\/90 against .*labels\.json\)/m);
    // written under out/ of the working directory, and the path is printed
    const outs = readdirSync(join(cwd, "out"));
    expect(outs).toHaveLength(1);
    expect(outs[0]).toMatch(/^fashion-mnist-camera_spikenode_\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d$/);
    const file = join("out", outs[0], `${outs[0]}_0.mcap`);
    expect(existsSync(join(cwd, file))).toBe(true);
    expect(r.stdout).toContain(`to ${file}`);
  });

  it("says how to get the default model when it is missing", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SPIKENODE_MODEL: join(tempDir(), "no-model") };
    delete env.ROS_DISTRO;
    const r = spikenode(["run"], { cwd: tempDir(), env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^spikenode: not joining a ROS 2 graph/);
    expect(r.stderr).toMatch(
      /\nspikenode: the default model .*no-model is not there \(no model\.json\): train it with `spikenode train/,
    );
  });
});
