import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const golden = path.join(root, "test/fixtures/golden");
const cli = (...args: string[]) => runCli(args, { timeout: 60_000 });

describe("spikenode info / infer / bench", () => {
  it("info describes the golden model", () => {
    const r = cli("info", golden, "--json");
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.totals.neurons).toBe(1034);
    expect(info.totals.synapses).toBe(784 * 512 + 512 * 512 + 512 * 10);
    expect(info.layers.map((l: { type: string }) => l.type)).toEqual([
      "flatten",
      "dense",
      "dense",
      "dense",
    ]);
  });
  it("infer reproduces the golden spike counts for the first inputs", () => {
    const dir = tempDir("spikenode-cli-");
    const inputs = readFileSync(path.join(golden, "inputs.f32")).subarray(0, 3 * 784 * 4);
    writeFileSync(path.join(dir, "three.f32"), inputs);
    const r = cli("infer", "--model", golden, "--input", path.join(dir, "three.f32"), "--json");
    expect(r.status, r.stderr).toBe(0);
    const expected = JSON.parse(readFileSync(path.join(golden, "expected.json"), "utf8"));
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.scores)).toEqual(expected.output_spike_counts.slice(0, 3));
    expect(lines[0].counters.layers.map((l: { spikes: number }) => l.spikes)).toEqual(
      expected.layer_total_spikes[0],
    );
  });
  it("infer rejects an input file of the wrong size with one clear line", () => {
    const dir = tempDir("spikenode-cli-");
    writeFileSync(path.join(dir, "bad.f32"), new Uint8Array(10));
    const r = cli("infer", "--model", golden, "--input", path.join(dir, "bad.f32"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^spikenode: --input .*bad\.f32: 10 bytes is not a whole number of inputs of shape \[1, 28, 28\]/,
    );
  });
  it("bench reports latency, synaptic operations, memory and the machine", () => {
    const r = cli("bench", "--model", golden, "--frames", "5", "--json");
    expect(r.status, r.stderr).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b.frames).toBe(5);
    expect(b.medianMs).toBeGreaterThan(0);
    expect(b.synapticOpsPerFrame).toBeGreaterThan(0);
    expect(b.peakRssBytes).toBeGreaterThan(0);
    expect(b.machine.cores).toBeGreaterThan(0);
  });
  it("a bad model directory is one line naming the file", () => {
    const r = cli("info", path.join(tmpdir(), "no-such-model-dir"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^spikenode: .*model\.json: \(top level\): no such file\. Fix:/);
  });
});
