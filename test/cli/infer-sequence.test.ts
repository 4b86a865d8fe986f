/** `spikenode infer --sequence`: N samples of T ticks from one float32 file, per-sample JSON lines. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { packModel } from "../snn/helpers.js";

let dir: string;
let modelDir: string;

/** [N, T, 1, 1, 3] little-endian float32. */
function writeF32(name: string, values: number[]): string {
  const file = path.join(dir, name);
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  writeFileSync(file, bytes);
  return file;
}

// Sample 0: neuron 0 sees 1, 0, 1, 0 (> 0.5 twice); neuron 1 sees 0, 0, 0, 0.6 (once).
const sample0 = [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0.3, 0.3];
const sample1 = new Array(12).fill(0);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "spikenode-seq-"));
  modelDir = path.join(dir, "model");
  const { json, bytes } = packModel({
    version: 2,
    inputShape: [1, 1, 3],
    encoder: { type: "external" },
    timesteps: 4,
    layers: [
      { type: "flatten", name: "f" },
      {
        type: "dense",
        name: "out",
        weights: { shape: [2, 3], data: [1, 0, 0, 0, 1, 1] },
        neuron: { model: "if", v_threshold: 0.5 },
      },
    ],
  });
  mkdirSync(modelDir);
  writeFileSync(path.join(modelDir, "model.json"), JSON.stringify(json));
  writeFileSync(path.join(modelDir, "weights.bin"), bytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (out: string) =>
  out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("infer --sequence", () => {
  it("--shape: per sample the spike counts (scores), class and per-layer spike totals", () => {
    const file = writeF32("x.f32", [...sample0, ...sample1]);
    const r = runCli([
      "infer",
      "--model",
      modelDir,
      "--sequence",
      "--input",
      file,
      "--shape",
      "2,4,1,1,3",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [a, b] = lines(r.stdout);
    expect(a).toMatchObject({
      sample: 0,
      steps: 4,
      readout: "spike_count",
      scores: [2, 1],
      classIndex: 0,
      outputTotals: [2, 1],
      layers: [{ layer: 1, name: "out", type: "dense", neurons: 2, spikes: 3 }],
    });
    expect(b).toMatchObject({ sample: 1, scores: [0, 0], layers: [{ spikes: 0 }] });
  });
  it("reads the shape from a sibling .json, or infers N from presentation.timesteps; --steps runs fewer ticks", () => {
    const file = writeF32("y.f32", [...sample1, ...sample0]);
    writeFileSync(path.join(dir, "y.json"), JSON.stringify({ shape: [2, 4, 3] }));
    const r = runCli(["infer", "--model", modelDir, "--sequence", "--input", file, "--json"]);
    expect(r.status).toBe(0);
    expect(lines(r.stdout).map((l) => l.scores)).toEqual([
      [0, 0],
      [2, 1],
    ]);
    const bare = writeF32("z.f32", sample0);
    const r2 = runCli([
      "infer",
      "--model",
      modelDir,
      "--sequence",
      "--input",
      bare,
      "--steps",
      "4",
      "--json",
    ]);
    expect(lines(r2.stdout)[0].scores).toEqual([2, 1]);
    const r3 = runCli([
      "infer",
      "--model",
      modelDir,
      "--sequence",
      "--input",
      file,
      "--steps",
      "2",
      "--json",
    ]);
    // Two ticks of sample 1: neuron 0 fires once (tick 0), neuron 1 not yet.
    expect(lines(r3.stdout).map((l) => l.scores)).toEqual([
      [0, 0],
      [1, 0],
    ]);
    const text = runCli([
      "infer",
      "--model",
      modelDir,
      "--sequence",
      "--input",
      bare,
      "--steps",
      "4",
    ]);
    expect(text.stdout).toMatch(
      /^#0 class c0 {2}spike_count \[2 1\] {2}steps 4 {2}spikes 3 \(out:3\)/,
    );
  });
  it("refuses a shape that does not match the model or the file, with one clear line", () => {
    const file = writeF32("w.f32", sample0);
    const wrongTick = runCli([
      "infer",
      "--model",
      modelDir,
      "--sequence",
      "--input",
      file,
      "--shape",
      "1,3,4",
    ]);
    expect(wrongTick.status).toBe(2);
    expect(wrongTick.stderr).toMatch(
      /--shape gives 4 values per tick \(\[4\]\) but .* reads 3 per tick/,
    );
    const wrongSize = runCli([
      "infer",
      "--model",
      modelDir,
      "--sequence",
      "--input",
      file,
      "--shape",
      "2,4,3",
    ]);
    expect(wrongSize.stderr).toMatch(
      /--shape \[2, 4, 3\] is 24 float32 values but the file holds 12/,
    );
    const noWhole = runCli([
      "infer",
      "--model",
      modelDir,
      "--sequence",
      "--input",
      file,
      "--steps",
      "5",
    ]);
    expect(noWhole.stderr).toMatch(/not whole samples of 5 ticks × 3 values/);
    const mixed = runCli(["infer", "--model", modelDir, "--input", file, "--steps", "4"]);
    expect(mixed.stderr).toMatch(/--shape and --steps go with --sequence/);
  });
});
