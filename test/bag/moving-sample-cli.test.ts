/** `spikenode sample-bag --task moving`: the command that made samples/moving-fashion-camera. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { openBag } from "../../src/bag/index.js";
import { tempDir } from "./helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = join(root, "test/fixtures/train/fashion-mnist");
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const cli = (...args: string[]) => runCli(args, { timeout: 60_000 });

describe("spikenode sample-bag --task moving", () => {
  it("records the first clips of the moving test set, 3× enlarged mono8, with their labels", async () => {
    const out = join(tmp.dir, "moving");
    const r = cli(
      "sample-bag",
      "--task",
      "moving",
      "--clips",
      "3",
      "--data-dir",
      FIXTURE,
      "--out",
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /wrote 3 clips \(27 frames\) of moving-fashion-mnist\/test .*96×96 mono8, 30 fps/,
    );
    const labels = JSON.parse(readFileSync(join(out, "labels.json"), "utf8"));
    expect(labels.labels.length).toBe(27);
    expect(labels.clips.map((c: { start: number }) => c.start)).toEqual([0, 9, 18]);
    const bag = await openBag(out);
    expect(bag.topics().map((t) => t.count)).toEqual([27]);
    await bag.close();
  });

  it("refuses options of the classes task and unknown tasks, in one line", () => {
    const a = cli("sample-bag", "--task", "moving", "--width", "64", "--out", join(tmp.dir, "x"));
    expect(a.status).not.toBe(0);
    expect(a.stderr).toMatch(/--width does not apply to --task moving/);
    const b = cli("sample-bag", "--task", "spinning", "--out", join(tmp.dir, "y"));
    expect(b.status).not.toBe(0);
    expect(b.stderr).toMatch(/--task spinning: use classes or moving/);
  });
});

describe("spikenode sample-bag --task moving --events", () => {
  it("records an evt3 EventPacket bag with one label per 4 ms window", async () => {
    const out = join(tmp.dir, "moving-events");
    const r = cli(
      "sample-bag",
      "--task",
      "moving",
      "--events",
      "--clips",
      "1",
      "--data-dir",
      FIXTURE,
      "--out",
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /wrote 1 clips \(9 frames, \d+ events in 36 evt3 packets\).*32×32 sensor, frames 4000 µs apart/,
    );
    const bag = await openBag(out);
    expect(bag.topics().map((t) => [t.name, t.type, t.count])).toEqual([
      ["/camera/events", "event_camera_msgs/msg/EventPacket", 36],
    ]);
    await bag.close();
    expect(JSON.parse(readFileSync(join(out, "labels.json"), "utf8")).labels).toHaveLength(9);
  });

  it("refuses options that do not apply, naming them", () => {
    const r1 = cli("sample-bag", "--events", "--out", join(tmp.dir, "x1"));
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/--events records --task moving only/);
    const r2 = cli(
      "sample-bag",
      "--task",
      "moving",
      "--events",
      "--scale",
      "2",
      "--data-dir",
      FIXTURE,
      "--out",
      join(tmp.dir, "x2"),
    );
    expect(r2.stderr).toMatch(/--scale does not apply to --events/);
    const r3 = cli(
      "sample-bag",
      "--task",
      "moving",
      "--events",
      "--fps",
      "3",
      "--data-dir",
      FIXTURE,
      "--out",
      join(tmp.dir, "x3"),
    );
    expect(r3.stderr).toMatch(/whole number of µs/);
  });
});
