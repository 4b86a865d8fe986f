/**
 * `spikenode eval` shows progress when not on a terminal (a log, CI): a line on stderr every
 * --progress-seconds, as `train` does, while stdout keeps the report; --no-progress silences it.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";

const args = [
  "eval",
  "--model",
  join(ROOT, "test/fixtures/golden"),
  "--dataset",
  "fashion-mnist",
  "--data-dir",
  join(ROOT, "test/fixtures/train/fashion-mnist"),
  "--limit",
  "40",
  "--threads",
  "1",
  "--synapses",
  "model",
];

describe("eval progress without a terminal", () => {
  it("prints periodic progress lines on stderr and the report on stdout", () => {
    const r = runCli([...args, "--progress-seconds", "0.05"], { timeout: 120_000 });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("eval ["));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(/^eval \[[=-]+\] \d+\/40 \| \d+% \| ETA /);
    expect(lines[lines.length - 1]).toMatch(/ 40\/40 \| 100% /);
    expect(r.stdout).toMatch(/^golden-dense on fashion-mnist test: 40 images/);
    expect(r.stdout).not.toContain("eval [");
    const quiet = runCli([...args, "--no-progress"], { timeout: 120_000 });
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).not.toContain("eval [");
    const bad = runCli([...args, "--progress-seconds", "0"], { timeout: 120_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--progress-seconds must be a positive number, got "0"/);
  });
});
