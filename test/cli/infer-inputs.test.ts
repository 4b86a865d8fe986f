/**
 * infer and bench inputs: PNG/JPEG through the node's preprocessing, raw float32 as before;
 * non-finite values refused with file, sample and element; far-out values reported; and
 * --timesteps / --early-exit on both commands.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const GOLDEN = join(ROOT, "test/fixtures/golden");
const cli = (...args: string[]) => runCli(args, { timeout: 60_000 });

function goldenInputs(n: number): Float32Array {
  const bytes = readFileSync(join(GOLDEN, "inputs.f32"));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 784 * 4));
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { scores: number[]; ticks: number; file: string; sample: number });

describe("infer inputs", () => {
  it("a PNG written by sharp classifies as the same pixels given as float32", async () => {
    const dir = tempDir();
    const gray = Uint8Array.from(goldenInputs(1), (x) => Math.round(x * 255));
    const png = join(dir, "digit.png");
    await sharp(Buffer.from(gray), { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(png);
    const f32 = join(dir, "digit.f32");
    writeFileSync(f32, Buffer.from(Float32Array.from(gray, (v) => v / 255).buffer));
    const r = cli("infer", "--model", GOLDEN, "--input", png, f32, "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [fromPng, fromF32] = jsonLines(r.stdout);
    expect(fromPng.file).toBe(png);
    expect(fromPng.scores).toEqual(fromF32.scores);
    // A JPEG goes the same way (lossy, so only the shape of the answer is checked).
    const jpeg = join(dir, "digit.jpg");
    await sharp(Buffer.from(gray), { raw: { width: 28, height: 28, channels: 1 } })
      .jpeg()
      .toFile(jpeg);
    const j = cli("infer", "--model", GOLDEN, "--input", jpeg, "--json");
    expect(j.status, j.stderr).toBe(0);
    expect(jsonLines(j.stdout)[0].scores).toHaveLength(10);
  });

  it("refuses NaN and ±Inf naming file, sample and element", () => {
    const dir = tempDir();
    for (const [bad, name] of [
      [NaN, "NaN"],
      [Infinity, "Infinity"],
      [-Infinity, "-Infinity"],
    ] as const) {
      const x = goldenInputs(3);
      x[2 * 784 + 101] = bad;
      const file = join(dir, `bad-${name}.f32`);
      writeFileSync(file, Buffer.from(x.buffer));
      const r = cli("infer", "--model", GOLDEN, "--input", file);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `spikenode: --input ${file}: sample 2, element 101 is ${name}; inputs must be finite numbers (the model expects preprocessed pixels, [0, 1] before normalisation)\n`,
      );
    }
  });

  it("says when inputs lie far outside the encoder's range (pixels scaled 0-255), and still runs", () => {
    const dir = tempDir();
    const file = join(dir, "scaled.f32");
    writeFileSync(file, Buffer.from(Float32Array.from(goldenInputs(2), (v) => v * 255).buffer));
    const r = cli("infer", "--model", GOLDEN, "--input", file);
    expect(r.status).toBe(0);
    const warnings = r.stderr.trim().split("\n");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^spikenode: warning: .*scaled\.f32: sample 0 has values in \[[\d.]+, 25\d(\.\d+)?\], far outside \[0, 1\] that the model's encoder expects .*dividing by 255$/,
    );
    // In range: no warning.
    const ok = join(dir, "ok.f32");
    writeFileSync(ok, Buffer.from(goldenInputs(1).buffer));
    expect(cli("infer", "--model", GOLDEN, "--input", ok).stderr).toBe("");
  });

  it("--timesteps and --early-exit: fewer ticks, the policy's syntax checked", () => {
    const input = join(GOLDEN, "inputs.f32");
    const t = jsonLines(
      cli("infer", "--model", GOLDEN, "--input", input, "--timesteps", "40", "--json").stdout,
    );
    expect(t.every((l) => l.ticks === 40)).toBe(true);
    const full = jsonLines(cli("infer", "--model", GOLDEN, "--input", input, "--json").stdout);
    const early = jsonLines(
      cli("infer", "--model", GOLDEN, "--input", input, "--early-exit", "1:5", "--json").stdout,
    );
    expect(early).toHaveLength(full.length);
    expect(early.some((l) => l.ticks < full[0].ticks)).toBe(true);
    const bad = cli("infer", "--model", GOLDEN, "--input", input, "--early-exit", "1");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^spikenode: --early-exit 1: give margin:hold or margin:hold:min/);
    const zero = cli("infer", "--model", GOLDEN, "--input", input, "--timesteps", "0");
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/^spikenode: --timesteps 0: give a whole number of ticks >= 1/);
  });

  it("a tick count that never reaches the readout window is refused", () => {
    // The shipped model reads out from tick 100 on.
    const dir = tempDir();
    const file = join(dir, "one.f32");
    writeFileSync(file, Buffer.from(goldenInputs(1).buffer));
    const model = join(ROOT, "models/fashion-mnist-lif");
    const r = cli("infer", "--model", model, "--input", file, "--timesteps", "60");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^spikenode: --timesteps 60: fashion-mnist-lif reads its output from tick 100 on .*give more than 100 ticks/,
    );
  });
});

describe("bench --timesteps / --early-exit", () => {
  it("runs the ticks asked for and reports the mean ticks under early exit", () => {
    const t = cli("bench", "--model", GOLDEN, "--frames", "3", "--timesteps", "30", "--json");
    expect(t.status, t.stderr).toBe(0);
    const b = JSON.parse(t.stdout);
    expect(b.timesteps).toBe(30);
    expect(b.ticksPerFrame).toBe(30);
    const e = cli("bench", "--model", GOLDEN, "--frames", "3", "--early-exit", "1:5", "--json");
    expect(e.status, e.stderr).toBe(0);
    const eb = JSON.parse(e.stdout);
    expect(eb.earlyExit).toEqual({ margin: 1, holdTicks: 5 });
    expect(eb.ticksPerFrame).toBeLessThan(100);
    const png = cli("bench", "--model", GOLDEN, "--frames", "2", "--early-exit", "x");
    expect(png.status).toBe(2);
  });
});
