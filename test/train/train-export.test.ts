import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/create-network.js";
import { loadModel } from "../../src/snn/model-file.js";
import { initBackend } from "../../src/train/backend.js";
import { parseTrainConfig, type TrainConfig } from "../../src/train/config.js";
import { loadFashionMnist } from "../../src/train/datasets/fashion-mnist.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import { buildModel, writeModel } from "../../src/train/export.js";
import { modelInputs } from "../../src/train/evaluate.js";
import { initParams, planNetwork } from "../../src/train/net.js";
import { rateEvaluate } from "../../src/train/rate-eval.js";
import { evaluateRate, train } from "../../src/train/train-soft-lif.js";
import { predictLogits } from "../../src/train/gradients.js";
import { fillBatch } from "../../src/train/batch.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;

function tinyConfig(
  overrides: Partial<TrainConfig["training"]> = {},
  neuron: Record<string, number> = {},
): TrainConfig {
  return parseTrainConfig(
    JSON.stringify({
      name: "tiny",
      dataset: { name: "fashion-mnist", validation: 100 },
      neuron,
      layers: [
        { type: "conv2d", filters: 6, kernel: 5, padding: 2 },
        { type: "avgpool2d", size: 2 },
        { type: "conv2d", filters: 8, kernel: 3, padding: 1, stride: 2 },
        { type: "avgpool2d", size: 2 },
        { type: "dense", units: 32 },
        { type: "dropout", rate: 0.2 },
        { type: "dense", units: 10, activation: "linear" },
      ],
      training: { epochs: 1, batch_size: 25, lr: 0.003, seed: 3, ...overrides },
      spiking: { timesteps: 40, readout_start: 10, synapse: { type: "lowpass", tau: 0.002 } },
    }),
    "tiny.json",
  );
}

/** A silent single-thread run on the fixture; tests override what they vary. */
const quiet = {
  resume: false,
  backend: "wasm",
  dataDir: FIXTURE,
  progress: false,
  threads: 1,
  log: () => {},
};

let dir: string;
beforeAll(async () => {
  await initBackend("wasm");
  dir = mkdtempSync(join(tmpdir(), "spikenode-train-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("training", () => {
  it("one epoch on 500 images lowers the loss and exports a model the engine loads and runs", async () => {
    const config = tinyConfig();
    const out = join(dir, "run");
    const before = (() => {
      const set = loadFashionMnist("train", FIXTURE);
      const plan = planNetwork(config, set.shape);
      return evaluateRate(plan, initParams(plan, config.training.seed), set).loss;
    })();
    const result = await train({
      config,
      out,
      resume: false,
      threads: 1,
      backend: "wasm",
      dataDir: FIXTURE,
      progress: false,
      log: () => {},
    });
    expect(result.finished).toBe(true);
    expect(result.history).toHaveLength(1);
    const after = evaluateRate(result.plan, result.params, loadFashionMnist("train", FIXTURE)).loss;
    expect(after).toBeLessThan(before - 0.3);

    const model = buildModel({
      config,
      plan: result.plan,
      params: result.params,
      labels: result.train.classes,
      inputCHW: result.train.shape,
      history: result.history,
    });
    writeModel(out, model, result.history);
    const loaded = await loadModel(out);
    expect(loaded.spec.layers.map((l) => l.type)).toEqual([
      "conv2d",
      "avgpool2d",
      "conv2d",
      "avgpool2d",
      "flatten",
      "dense",
      "dense",
    ]);
    expect(loaded.spec.presentation.timesteps).toBe(40);
    const net = createNetwork(loaded);
    const test = loadFashionMnist("test", FIXTURE);
    const { pixels } = modelInputs(test, loaded, 3);
    const { scores, counters } = net.run(pixels.subarray(0, loaded.inputSize));
    expect(scores).toHaveLength(10);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(counters.ticks).toBe(40);
    expect(counters.total.spikes).toBeGreaterThan(0);
    expect(readFileSync(join(out, "training-curves.svg"), "utf8")).toContain("<svg");
  });

  it("exports the trained function: the exported model as a rate network reproduces the training network", async () => {
    // With γ tiny soft-LIF is the analytic LIF curve, so logits must agree up to float error;
    // any mistake in weight layouts, flatten order or folded gain/bias would show.
    const config = tinyConfig({}, { gamma: 1e-5, gain: 1.3 });
    const set = loadFashionMnist("test", FIXTURE);
    const plan = planNetwork(config, set.shape);
    const params = initParams(plan, 11);
    params.forEach((p, i) => {
      if (plan.params[i].kind === "bias") p.forEach((_, k) => (p[k] = 0.05 * Math.sin(k + i)));
    });
    const n = 40;
    const px = new Float32Array(n * 784);
    const labels = new Int32Array(n);
    fillBatch(
      set,
      Uint32Array.from({ length: n }, (_, i) => i),
      px,
      labels,
    );
    const logits = predictLogits(plan, params, px, n);
    const model = buildModel({
      config,
      plan,
      params,
      labels: set.classes,
      inputCHW: set.shape,
      history: [],
    });
    const out = join(dir, "layout");
    writeModel(out, model, []);
    const loaded = await loadModel(out);
    const { pixels } = modelInputs(set, loaded, n);
    const rate = rateEvaluate(loaded, pixels, n);
    let agree = 0;
    for (let k = 0; k < n; k++) {
      let arg = 0;
      for (let c = 1; c < 10; c++) if (logits[k * 10 + c] > logits[k * 10 + arg]) arg = c;
      if (arg === rate.predictions[k]) agree++;
    }
    expect(agree).toBe(n);
  });

  it("spiking.initial_voltage uniform exports Nengo's initial membrane on every LIF layer, not the linear readout", async () => {
    const base = tinyConfig();
    const config = { ...base, spiking: { ...base.spiking, initial_voltage: "uniform" as const } };
    const set = loadFashionMnist("test", FIXTURE);
    const plan = planNetwork(config, set.shape);
    const model = buildModel({
      config,
      plan,
      params: initParams(plan, 5),
      labels: set.classes,
      inputCHW: set.shape,
      history: [],
    });
    const out = join(dir, "initial-voltage");
    writeModel(out, model, []);
    const loaded = await loadModel(out);
    const neurons = loaded.spec.layers.flatMap((l) => ("neuron" in l ? [l.neuron] : []));
    expect(neurons.map((n) => n.model)).toEqual(["lif", "lif", "lif", "linear"]);
    for (const n of neurons.slice(0, 3)) {
      expect("initial_voltage" in n && n.initial_voltage).toEqual({
        distribution: "uniform",
        low: 0,
        high: 1,
        seed: 0,
      });
    }
    const plain = buildModel({
      config: base,
      plan,
      params: initParams(plan, 5),
      labels: set.classes,
      inputCHW: set.shape,
      history: [],
    });
    expect(JSON.stringify(plain.json)).not.toContain("initial_voltage");
  });

  it("resumes exactly: interrupted and resumed equals uninterrupted, whatever the thread count", async () => {
    // The anneal from epoch 2 is crossed after the interruption.
    const config = tinyConfig({
      epochs: 2,
      batch_size: 50,
      anneal: [{ epoch: 2, sigma: 2, dropout: 0 }],
    });
    const a = join(dir, "a");
    const b = join(dir, "b");
    await train({ ...quiet, config, out: a, threads: 1, maxBatches: 13 });
    const resumed = await train({ ...quiet, config, out: a, threads: 1, resume: true });
    const straight = await train({ ...quiet, config, out: b, threads: 1 });
    expect(resumed.finished && straight.finished).toBe(true);
    resumed.params.forEach((p, i) => expect(Array.from(p)).toEqual(Array.from(straight.params[i])));
    expect(resumed.history.map((h) => h.trainLoss)).toEqual(
      straight.history.map((h) => h.trainLoss),
    );
    // Two gradient threads split each batch; the run must still resume and keep learning.
    const c = join(dir, "c");
    await train({ ...quiet, config, out: c, threads: 1, maxBatches: 5 });
    const twoThreads = await train({ ...quiet, config, out: c, threads: 2, resume: true });
    expect(twoThreads.finished).toBe(true);
    expect(twoThreads.history).toHaveLength(2);
  });

  it("fine-tunes from another run's checkpoint: its parameters, a fresh schedule, provenance kept", async () => {
    const base = join(dir, "base");
    const first = await train({ ...quiet, config: tinyConfig(), out: base, log: () => {} });
    const lines: string[] = [];
    // Stopped after 0 batches: the new run's starting point is exactly the source's parameters.
    const tuned = tinyConfig({ lr: 0.0005, seed: 9 });
    const start = await train({
      ...quiet,
      config: tuned,
      out: join(dir, "tuned0"),
      initFrom: base,
      maxBatches: 1,
      log: (l) => lines.push(l),
    });
    expect(lines.some((l) => l.includes(`initialising from ${join(base, "checkpoint")}`))).toBe(
      true,
    );
    const scratch = await train({
      ...quiet,
      config: tuned,
      out: join(dir, "scratch0"),
      maxBatches: 1,
      log: () => {},
    });
    // One small step from the source's parameters stays near them; from scratch it does not.
    const dist = (a: Float32Array[], b: Float32Array[]) =>
      a.reduce((s, p, i) => s + p.reduce((t, v, k) => t + (v - b[i][k]) ** 2, 0), 0);
    expect(dist(start.params, first.params)).toBeLessThan(
      0.01 * dist(scratch.params, first.params),
    );
    const meta = JSON.parse(
      readFileSync(join(dir, "tuned0", "checkpoint", "checkpoint.json"), "utf8"),
    );
    expect(meta.initFrom).toMatchObject({ path: base, name: "tiny", epochsDone: 1 });
    // The base run's epochs travel along, so the curves can draw the whole chain.
    expect(meta.initFrom.history).toEqual(first.history);
    expect(meta.adamStep).toBe(1);

    // A different architecture is refused by name.
    const wider = tinyConfig();
    (wider.layers[4] as { units: number }).units = 33;
    await expect(
      train({ ...quiet, config: wider, out: join(dir, "wider"), initFrom: base, log: () => {} }),
    ).rejects.toThrow(/--init-from .*base.* same architecture/);
    await expect(
      train({
        ...quiet,
        config: tuned,
        out: join(dir, "none"),
        initFrom: join(dir, "nowhere"),
        log: () => {},
      }),
    ).rejects.toThrow(/--init-from .*nowhere: no checkpoint/);
  });

  it("weight averaging: the result is the mean of the epoch-end parameters, and it resumes exactly", async () => {
    // A flat learning rate, so a 2-epoch run passes through the 3-epoch run's epoch 2.
    const flat = { batch_size: 50, lr: 0.002, lr_final: 0.002 };
    const two = await train({
      ...quiet,
      config: tinyConfig({ ...flat, epochs: 2 }),
      out: join(dir, "swa2"),
    });
    const config = tinyConfig({ ...flat, epochs: 3, average_from: 2 });
    const out = join(dir, "swa3");
    const averaged = await train({ ...quiet, config, out });
    const last = loadCheckpoint(join(out, "checkpoint")).params;
    averaged.params.forEach((a, i) => {
      for (let k = 0; k < a.length; k += 97)
        expect(a[k]).toBeCloseTo((two.params[i][k] + last[i][k]) / 2, 5);
    });
    expect(averaged.history.map((h) => h.averageOf)).toEqual([undefined, 1, 2]);
    expect(averaged.history[2].averageValAccuracy).toBeGreaterThan(0);
    // Interrupted inside epoch 3, with one epoch end already averaged, then resumed.
    const cut = join(dir, "swa-cut");
    await train({ ...quiet, config, out: cut, maxBatches: 2 * 8 + 3 });
    const resumed = await train({ ...quiet, config, out: cut, resume: true });
    resumed.params.forEach((p, i) => expect(Array.from(p)).toEqual(Array.from(averaged.params[i])));
    // Fine-tuning from an averaged run starts from its mean, the network it exported.
    const next = await train({
      ...quiet,
      config: tinyConfig({ ...flat, lr: 1e-9, lr_final: 1e-9 }),
      out: join(dir, "from-swa"),
      initFrom: out,
      maxBatches: 1,
    });
    const w = averaged.params[0];
    for (let k = 0; k < w.length; k += 31) expect(next.params[0][k]).toBeCloseTo(w[k], 5);
  });
});
