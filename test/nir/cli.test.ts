/** The NIR commands: import-nir writes a model directory; --model X.nir works in info and infer --sequence. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";
import { EXPECTED, fixture, seededInput } from "./helpers.js";

describe("spikenode import-nir and --model FILE.nir", () => {
  it("import-nir writes a model directory that info reads, at the --dt given", () => {
    const out = join(tempDir(), "braille");
    const r = runCli([
      "import-nir",
      fixture("braille_noDelay_bias_zero.nir"),
      "--out",
      out,
      "--dt",
      "2e-4",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const spec = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
    expect(spec.dt).toBe(2e-4);
    expect(spec.input.encoder.type).toBe("external");
    const info = runCli(["info", out, "--json"]);
    expect(info.status).toBe(0);
    expect(JSON.parse(info.stdout).layers.at(-1).neurons).toBe(7);
  });

  it("info and infer --sequence take the .nir file itself; counts equal simulate.py's", () => {
    const file = fixture("lif_norse.nir");
    const info = runCli(["info", file, "--json"]);
    expect(info.status).toBe(0);
    expect(JSON.parse(info.stdout).dt).toBe(1e-4);
    const c = EXPECTED["lif_norse.nir"];
    const input = join(tempDir(), "in.f32");
    const data = new Float32Array(c.samples * c.steps);
    for (let s = 0; s < c.samples; s++)
      data.set(seededInput(c.steps, 1, c.seed + s, c.p), s * c.steps);
    writeFileSync(input, Buffer.from(data.buffer));
    const r = runCli([
      "infer",
      "--model",
      file,
      "--sequence",
      "--input",
      input,
      "--shape",
      `${c.samples},${c.steps},1,1,1`,
      "--json",
    ]);
    expect(r.stderr).toBe("");
    const scores = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).scores);
    expect(scores).toEqual(c.output_counts);
  });

  it("a file that is not NIR is one clear error naming it, exit code 2", () => {
    const bad = join(tempDir(), "x.nir");
    writeFileSync(bad, "not hdf5");
    const r = runCli(["info", bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/x\.nir: is not an HDF5 file.*Fix:/);
    expect(r.stderr).not.toMatch(/internal error|at /);
  });
});
