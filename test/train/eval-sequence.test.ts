/**
 * `spikenode eval` on a sequence model shaped like issue 7's exports: Fashion-MNIST row by row
 * (rows encoder, 28 ticks), two recurrent ALIF layers, a leaky-integrator readout read as the
 * mean membrane over ticks [10, 28). Weights are random (seeded), written through the model
 * format; the figures are checked against a direct engine run of the same images.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encoderForModel } from "../../src/encode/index.js";
import { createNetwork, loadModel } from "../../src/snn/index.js";
import { formatReport } from "../../src/train/cli-eval.js";
import { loadDataset } from "../../src/train/datasets/index.js";
import { accuracyPlotSvg, evaluateModel, modelInputs } from "../../src/train/evaluate.js";
import { rateNetworkUnavailable } from "../../src/train/rate-eval.js";
import { buildModel, LIF, packModel, randomTensor, rng } from "../snn/helpers.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "spikenode-eval-seq-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const r = rng(21);
const alif = (n: number) => ({
  model: "alif",
  tau_m: randomTensor([n], r, 0.005, 0.02),
  tau_adp: randomTensor([n], r, 0.025, 0.175),
  b0: 0.01,
  beta: 1.8,
});
const { json, bytes } = packModel({
  inputShape: [1, 28, 28],
  encoder: { type: "rows", gain: 1, bias: 0 },
  timesteps: 28,
  layers: [
    {
      type: "recurrent_dense",
      weights: randomTensor([24, 28], r, 0.3),
      recurrent_weights: randomTensor([24, 24], r, 0.3),
      bias: randomTensor([24], r, 0.05),
      neuron: alif(24),
    },
    {
      type: "recurrent_dense",
      weights: randomTensor([16, 24], r, 0.4),
      recurrent_weights: randomTensor([16, 16], r, 0.3),
      neuron: alif(16),
    },
    {
      type: "dense",
      weights: randomTensor([10, 16], r, 1),
      bias: randomTensor([10], r, 0.1),
      neuron: { model: "leaky_integrator", tau: 0.02 },
    },
  ],
  readout: { type: "membrane", window: { start: 10 } },
});
writeFileSync(join(dir, "model.json"), JSON.stringify(json));
writeFileSync(join(dir, "weights.bin"), bytes);

const opts = {
  modelDir: dir,
  dataset: "fashion-mnist" as const,
  split: "test" as const,
  limit: 40,
  synapses: ["model"],
  dataDir: FIXTURE,
};

describe("spikenode eval on an ALIF sequence model", () => {
  it("spiking accuracy, firing rates, synops and RNN MACs as a direct run gives them; no rate network, no sweep", async () => {
    const one = await evaluateModel({ ...opts, threads: 1 });
    const two = await evaluateModel({ ...opts, threads: 2 });
    expect(two.spiking).toEqual(one.spiking);

    // The same 40 images straight through the engine with the model's encoder.
    const model = await loadModel(dir);
    const { pixels, labels, count } = modelInputs(
      loadDataset("fashion-mnist", "test", FIXTURE),
      model,
      40,
    );
    const net = createNetwork(model, { engine: "reference" });
    const encoder = encoderForModel(model.spec);
    let correct = 0;
    const spikes = [0, 0];
    let synops = 0;
    let inputOps = 0;
    for (let k = 0; k < count; k++) {
      const { scores, counters } = net.run(
        pixels.subarray(k * 784, (k + 1) * 784),
        undefined,
        encoder,
      );
      const best = scores.indexOf(Math.max(...scores));
      if (best === labels[k]) correct++;
      spikes[0] += counters.layers[0].spikes;
      spikes[1] += counters.layers[1].spikes;
      synops += counters.total.synapticOps;
      inputOps += counters.inputOps ?? NaN;
      expect(counters.ticks).toBe(28);
    }
    const s = one.spiking;
    expect(s.accuracy).toBe(correct / count);
    expect(s.timesteps).toBe(28);
    expect(s.window).toEqual([10, 28]);
    expect(s.synopsPerImage).toBeCloseTo(synops / count, 6);
    // Input-driven ops (row values × 24 fan-out) are part of layer 0's, beside its recurrent ones.
    expect(s.inputOpsPerImage).toBeCloseTo(inputOps / count, 6);
    expect(s.inputOpsPerImage).toBeGreaterThan(0);
    expect(s.inputOpsPerImage).toBeLessThan(s.layers[0].synopsPerImage);
    expect(s.spikesPerNeuronPerStep).toBeCloseTo((spikes[0] + spikes[1]) / count / 40 / 28, 12);
    expect(s.spikesPerNeuronPerStep).toBeGreaterThan(0.01);
    expect(s.meanRateHz).toBeCloseTo(s.spikesPerNeuronPerStep / 0.001, 6);
    expect(s.layers.map((l) => l.layer)).toEqual([0, 1, 2]);
    expect(s.layers[0].spikesPerNeuronPerStep).toBeCloseTo(spikes[0] / count / 24 / 28, 12);
    expect(s.layers[2].spikesPerImage).toBe(0); // the leaky readout does not spike
    // An RNN of the same shape over 28 steps.
    expect(s.annMacsPerImage).toBe(28 * (28 * 24 + 24 * 24 + 24 * 16 + 16 * 16 + 16 * 10));

    expect(one.rate).toBeNull();
    expect(one.rateNote).toMatch(
      /^no rate network: layer 0 has alif neurons, which have no analytic rate/,
    );
    expect(one.sweep).toEqual([]);
    expect(one.sweepNote).toMatch(/rows encoder presents each image as a sequence of 28 ticks/);
    const text = formatReport(one);
    expect(text).toMatch(/rate network: {2}- \(no rate network/);
    expect(text).toMatch(/spikes\/neuron\/step/);
    expect(text).toMatch(/no timestep sweep/);
    expect(text).not.toMatch(/^sweep /m);
    expect(() => accuracyPlotSvg(one)).toThrow(/nothing to plot/);
    // The JSON report round-trips (eval --report).
    expect(JSON.parse(JSON.stringify(one))).toEqual(one);
  });

  it("refuses --timesteps other than the sequence length", async () => {
    await expect(evaluateModel({ ...opts, limit: 2, timesteps: 50, threads: 1 })).rejects.toThrow(
      /--timesteps 50: .* rows sequence of 28 ticks, which fixes the timesteps/,
    );
    const same = await evaluateModel({ ...opts, limit: 2, timesteps: 28, threads: 1 });
    expect(same.spiking.timesteps).toBe(28);
  });

  it("says why there is no rate network, and has one for feed-forward LIF under constant current", () => {
    const dense = (neuron: object, encoder?: Record<string, unknown>, timesteps?: number) =>
      buildModel({
        inputShape: [1, 4, 4],
        encoder,
        timesteps,
        layers: [
          ...(encoder ? [] : [{ type: "flatten" }]),
          { type: "dense", weights: randomTensor([3, encoder ? 4 : 16], r), neuron },
        ],
      });
    expect(rateNetworkUnavailable(dense(LIF))).toBeNull();
    expect(rateNetworkUnavailable(dense({ model: "leaky_integrator", tau: 0.01 }))).toMatch(
      /layer 1 has leaky_integrator neurons/,
    );
    expect(rateNetworkUnavailable(dense(LIF, { type: "rows" }, 4))).toMatch(
      /the rows encoder does not give a constant input/,
    );
  });
});
