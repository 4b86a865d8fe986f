import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encoderForModel } from "../../src/encode/index.js";
import { createNetwork } from "../../src/snn/create-network.js";
import { loadModel } from "../../src/snn/model-file.js";
import { initBackend } from "../../src/train/backend.js";
import { loadAnyTrainConfig, parseAnyTrainConfig } from "../../src/train/config.js";
import { loadFashionMnist } from "../../src/train/datasets/fashion-mnist.js";
import { modelInputs } from "../../src/train/evaluate.js";
import type { SequenceTrainConfig } from "../../src/train/srnn/config.js";
import { finishSequenceRun } from "../../src/train/srnn/finish.js";
import { initSequenceParams, planSequenceNetwork } from "../../src/train/srnn/recurrent-net.js";
import { imageSequences, sequenceShape } from "../../src/train/srnn/sequences.js";
import { sequenceDecisions } from "../../src/train/srnn/seq-gradients.js";
import { evaluateSequenceSet, trainSequence } from "../../src/train/srnn/train-sequence.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;
const CONFIGS = new URL("../../models/configs/", import.meta.url).pathname;

function tiny(kind: "srnn" | "rnn" | "lstm", extra: Record<string, unknown> = {}) {
  return parseAnyTrainConfig(
    JSON.stringify({
      name: `tiny-${kind}`,
      kind,
      dataset: { name: "fashion-mnist", validation: 100 },
      hidden: [32, 32],
      readout: { tau: 5, start: 14 },
      training: { epochs: 1, batch_size: 25, lr: 0.01, seed: 3 },
      ...extra,
    }),
    `tiny-${kind}.json`,
  ) as SequenceTrainConfig;
}

let dir: string;
beforeAll(async () => {
  await initBackend("wasm");
  dir = mkdtempSync(join(tmpdir(), "spikenode-srnn-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sequence training", () => {
  it("one srnn epoch on 500 row sequences lowers the loss, moves τ, and exports a model the engine runs", async () => {
    const config = tiny("srnn");
    const out = join(dir, "srnn");
    const set = imageSequences(loadFashionMnist("train", FIXTURE), config.dataset.encoding);
    const plan = planSequenceNetwork(config, 28, 28, 10);
    const initial = initSequenceParams(plan, config.training.seed);
    const before = evaluateSequenceSet(plan, initial, set);
    const lines: string[] = [];
    const result = await trainSequence({
      config,
      out,
      resume: false,
      threads: 1,
      backend: "wasm",
      dataDir: FIXTURE,
      progress: false,
      log: (l) => lines.push(l),
    });
    expect(result.finished).toBe(true);
    const after = evaluateSequenceSet(result.plan, result.params, set);
    expect(after.loss).toBeLessThan(before.loss - 0.1);
    // Firing rate is recorded per epoch (training batches and validation) and logged.
    const rec = result.history[0];
    expect(rec.trainFiringRate).toBeGreaterThan(0);
    expect(rec.valFiringRate).toBeGreaterThan(0);
    expect(lines.join("\n")).toMatch(/firing rate 0\.\d{4}/);
    // Every learned time constant moved, at its own rate.
    for (const role of ["tau_m", "tau_adp"] as const) {
      plan.params.forEach((p, i) => {
        if (p.role !== role) return;
        let moved = 0;
        for (let k = 0; k < initial[i].length; k++)
          if (result.params[i][k] !== initial[i][k]) moved++;
        expect(moved, p.name).toBe(initial[i].length);
      });
    }

    await finishSequenceRun({
      out,
      config: result.config,
      plan: result.plan,
      params: result.params,
      history: result.history,
      dataDir: FIXTURE,
      log: () => {},
    });
    const model = await loadModel(out);
    expect(model.spec.input.encoder.type).toBe("rows");
    expect(model.spec.presentation.timesteps).toBe(28);
    expect(model.spec.layers.map((l) => l.type)).toEqual([
      "recurrent_dense",
      "recurrent_dense",
      "dense",
    ]);
    expect(model.spec.readout).toMatchObject({ type: "membrane", window: { start: 14 } });
    const n0 = model.spec.layers[0];
    if (n0.type !== "recurrent_dense" || n0.neuron.model !== "alif") throw new Error("not alif");
    expect(n0.neuron).toMatchObject({ b0: 0.01, beta: 1.8 });
    const prov = model.spec.provenance as Record<string, unknown>;
    expect(prov.firing_rate).toBeGreaterThan(0);
    expect(readFileSync(join(out, "tau-distributions.svg"), "utf8")).toContain("tau_adp");
    expect(existsSync(join(out, "tau-distributions.png"))).toBe(true);

    // The engine, given the test images through its own rows encoder (as `spikenode eval`
    // feeds it), decides as the TF.js network did.
    const test = loadFashionMnist("test", FIXTURE);
    const testSeq = imageSequences(test, config.dataset.encoding);
    const n = 30;
    const inputs = new Float32Array(n * 28 * 28);
    for (let i = 0; i < n; i++) testSeq.fill(i, inputs, i * 28 * 28);
    const tfPred = sequenceDecisions(result.plan, result.params, inputs, n);
    const net = createNetwork(model);
    const encoder = encoderForModel(model.spec);
    const { pixels } = modelInputs(test, model, n);
    let agree = 0;
    let spikes = 0;
    for (let i = 0; i < n; i++) {
      const { scores, counters } = net.run(
        pixels.subarray(i * 784, (i + 1) * 784),
        undefined,
        encoder,
      );
      expect(counters.ticks).toBe(28);
      let arg = 0;
      for (let c = 1; c < 10; c++) if (scores[c] > scores[arg]) arg = c;
      if (arg === tfPred[i]) agree++;
      spikes += counters.total.spikes;
    }
    expect(agree).toBeGreaterThanOrEqual(n - 1);
    expect(spikes).toBeGreaterThan(0);
  }, 180_000);

  it("trains the RNN and LSTM baselines with the same loop and writes their accuracy and MACs", async () => {
    for (const kind of ["rnn", "lstm"] as const) {
      const config = tiny(kind);
      const out = join(dir, kind);
      const result = await trainSequence({
        config,
        out,
        resume: false,
        threads: 1,
        backend: "wasm",
        dataDir: FIXTURE,
        progress: false,
        log: () => {},
      });
      expect(result.history[0].trainLoss).toBeLessThan(Math.log(10));
      const summary = await finishSequenceRun({
        out,
        config,
        plan: result.plan,
        params: result.params,
        history: result.history,
        dataDir: FIXTURE,
        log: () => {},
      });
      const written = JSON.parse(readFileSync(join(out, "baseline.json"), "utf8"));
      expect(written).toEqual(JSON.parse(JSON.stringify(summary)));
      // 28 → 32 → 32 → 10 over 28 steps; LSTM has four gates.
      const g = kind === "lstm" ? 4 : 1;
      expect(written.macs_per_step).toBe(g * 32 * (28 + 32) + g * 32 * (32 + 32) + 10 * 32);
      expect(written.macs_per_sample).toBe(28 * written.macs_per_step);
      const acc = Object.values(written.accuracy as Record<string, number>)[0];
      expect(acc).toBeGreaterThan(0.3);
      expect(existsSync(join(out, "model.json"))).toBe(false);
    }
  }, 180_000);

  it("resumes a sequence run exactly", async () => {
    const config = tiny("srnn", { hidden: [16] });
    const whole = await trainSequence({
      config,
      out: join(dir, "whole"),
      resume: false,
      threads: 1,
      backend: "wasm",
      dataDir: FIXTURE,
      progress: false,
      log: () => {},
    });
    const common = {
      config,
      out: join(dir, "parts"),
      threads: 2,
      backend: "wasm",
      dataDir: FIXTURE,
      progress: false,
      log: () => {},
    };
    const first = await trainSequence({ ...common, resume: false, maxBatches: 7 });
    expect(first.finished).toBe(false);
    const rest = await trainSequence({ ...common, resume: true });
    expect(rest.finished).toBe(true);
    // Two worker threads sum shard gradients in another order: equal up to float rounding.
    rest.params.forEach((p, i) => {
      for (let k = 0; k < p.length; k++) expect(p[k]).toBeCloseTo(whole.params[i][k], 3);
    });
    expect(rest.history[0].trainLoss).toBeCloseTo(whole.history[0].trainLoss, 3);
  }, 180_000);
});

describe("sequence configs", () => {
  it("parse, and the shipped ones have the paper's settings", () => {
    const srnn = loadAnyTrainConfig(join(CONFIGS, "fashion-mnist-rows-srnn.yaml"));
    const lstm = loadAnyTrainConfig(join(CONFIGS, "fashion-mnist-rows-lstm.yaml"));
    const rnn = loadAnyTrainConfig(join(CONFIGS, "fashion-mnist-rows-rnn.yaml"));
    if (!("kind" in srnn) || !("kind" in lstm) || !("kind" in rnn)) throw new Error("not sequence");
    expect(srnn).toMatchObject({ kind: "srnn", hidden: [128, 128] });
    expect(srnn.alif).toMatchObject({ b0: 0.01, beta: 1.8, surrogate: { type: "multi_gaussian" } });
    expect(srnn.training.batch_size).toBe(64);
    expect(lstm).toMatchObject({ kind: "lstm", hidden: srnn.hidden });
    expect(rnn).toMatchObject({ kind: "rnn", hidden: srnn.hidden });
    expect(sequenceShape([1, 28, 28], { type: "pixel_windows", window: 4, stride: 1 })).toEqual({
      steps: 784,
      inputSize: 4,
    });
  });

  it("name what is wrong", () => {
    expect(() =>
      parseAnyTrainConfig(
        JSON.stringify({ name: "x", kind: "gru", dataset: { name: "fashion-mnist" }, hidden: [8] }),
        "bad.json",
      ),
    ).toThrow(/bad\.json: invalid sequence training config: kind/);
    expect(() =>
      parseAnyTrainConfig(
        JSON.stringify({
          name: "x",
          kind: "srnn",
          dataset: { name: "fashion-mnist" },
          hidden: [8],
          readout: { start: 28 },
          training: { epochs: 1 },
        }),
        "late.json",
      ),
    ).toThrow(/late\.json: readout\.start 28 leaves no step/);
  });
});
