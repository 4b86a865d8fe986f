/** info, infer and bench on a sequence model (rows encoder, recurrent ALIF, leaky readout). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { encoderForModel } from "../../src/encode/index.js";
import { createNetwork, parseModel } from "../../src/snn/index.js";
import { packModel, randomTensor, rng } from "../snn/helpers.js";

const cli = (...args: string[]) => runCli(args, { timeout: 60_000 });

const r = rng(3);
const { json, bytes } = packModel({
  inputShape: [1, 6, 5],
  encoder: { type: "rows", ticks_per_row: 2 },
  timesteps: 12,
  layers: [
    {
      type: "recurrent_dense",
      weights: randomTensor([10, 5], r, 0.6, 0.1),
      recurrent_weights: randomTensor([10, 10], r, 0.3),
      neuron: {
        model: "alif",
        tau_m: randomTensor([10], r, 0.005, 0.02),
        tau_adp: randomTensor([10], r, 0.02, 0.2),
        b0: 0.01,
        beta: 1.8,
      },
    },
    {
      type: "dense",
      weights: randomTensor([3, 10], r, 1),
      neuron: { model: "leaky_integrator", tau: 0.02 },
    },
  ],
  readout: { type: "membrane", window: { start: 4 } },
});
const dir = mkdtempSync(path.join(tmpdir(), "spikenode-seq-cli-"));
writeFileSync(path.join(dir, "model.json"), JSON.stringify(json));
writeFileSync(path.join(dir, "weights.bin"), bytes);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("CLI on a rows-encoded ALIF model", () => {
  it("info says how an image becomes a sequence", () => {
    const res = cli("info", dir, "--json");
    expect(res.status, res.stderr).toBe(0);
    const info = JSON.parse(res.stdout);
    expect(info.input.perTick).toEqual([5]);
    expect(info.input.sequenceLength).toBe(12);
    expect(info.input.encoding).toMatch(/one image row per tick.*6 rows × 2 ticks each = 12 ticks/);
    expect(info.layers[0].in).toEqual([5]);
    const text = cli("info", dir);
    expect(text.stdout).toMatch(/sequence: one image row per tick/);
  });

  it("infer runs the model's own encoder and matches a direct run", () => {
    const x = Float32Array.from({ length: 30 }, () => r());
    writeFileSync(path.join(dir, "one.f32"), new Uint8Array(x.buffer));
    const res = cli("infer", "--model", dir, "--input", path.join(dir, "one.f32"), "--json");
    expect(res.status, res.stderr).toBe(0);
    const line = JSON.parse(res.stdout.trim());
    const model = parseModel(json, bytes, "x");
    const direct = createNetwork(model).run(x, undefined, encoderForModel(model.spec));
    expect(line.scores).toEqual(Array.from(direct.scores));
    expect(line.counters.ticks).toBe(12);
    expect(line.counters.total.spikes).toBe(direct.counters.total.spikes);
  });

  it("bench runs it", () => {
    const res = cli("bench", "--model", dir, "--frames", "3", "--json");
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).timesteps).toBe(12);
  });
});
