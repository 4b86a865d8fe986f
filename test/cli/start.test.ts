/**
 * `npm start` must not grow out/ without bound: the embedded default keeps its last few output
 * bags and never removes a folder holding anything but its own bag files.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EMBEDDED_KEEP, pruneEmbeddedOutputs } from "../../src/cli/commands/replay.js";
import { tempDir } from "../support/temp.js";

function fakeOutput(out: string, name: string, extra?: string): void {
  mkdirSync(join(out, name), { recursive: true });
  writeFileSync(join(out, name, `${name}_0.mcap`), "mcap");
  writeFileSync(join(out, name, "metadata.yaml"), "rosbag2_bagfile_information: {}");
  if (extra) writeFileSync(join(out, name, extra), "user's file");
}

describe("embedded-default outputs under out/", () => {
  it("keeps the newest few of its own bags, and everything else", async () => {
    const out = join(tempDir(), "out");
    const stamps = [
      "2026_01_01-10_00_00",
      "2026_01_01-10_00_05",
      "2026_02_01-09_00_00",
      "2026_03_01-00_00_00",
      "2026_03_01-00_00_01",
    ];
    for (const s of stamps) fakeOutput(out, `fashion-mnist-camera_spikenode_${s}`);
    fakeOutput(out, "fashion-mnist-camera_spikenode_2025_12_31-23_59_59", "notes.txt");
    fakeOutput(out, "my-run");
    const removed = await pruneEmbeddedOutputs(out, EMBEDDED_KEEP);
    expect(EMBEDDED_KEEP).toBe(3);
    expect(removed).toBe(2);
    expect(readdirSync(out).sort()).toEqual([
      "fashion-mnist-camera_spikenode_2025_12_31-23_59_59", // holds a file that is not the bag's
      ...stamps.slice(2).map((s) => `fashion-mnist-camera_spikenode_${s}`),
      "my-run",
    ]);
    expect(await pruneEmbeddedOutputs(out, EMBEDDED_KEEP)).toBe(0);
    expect(await pruneEmbeddedOutputs(join(out, "absent"), 3)).toBe(0);
    expect(existsSync(join(out, "my-run", "my-run_0.mcap"))).toBe(true);
  });
});
