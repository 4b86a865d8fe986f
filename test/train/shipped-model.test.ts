import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { initBackend } from "../../src/train/backend.js";
import { loadAnyCheckpoint } from "../../src/train/checkpoint.js";
import { evaluateModel } from "../../src/train/evaluate.js";
import type { SequenceTrainConfig } from "../../src/train/srnn/config.js";
import { planSequenceNetwork } from "../../src/train/srnn/recurrent-net.js";
import { configSequences, evaluateSequenceSet } from "../../src/train/srnn/train-sequence.js";

const MODEL = new URL("../../models/fashion-mnist-lif", import.meta.url).pathname;
const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;
const KEY = "fixture-500";

describe("shipped fashion-mnist-lif", () => {
  it("classifies the 500-image fixture, spiking, within 2 points of what its model card states", async () => {
    const json = JSON.parse(readFileSync(`${MODEL}/model.json`, "utf8")) as {
      provenance: { accuracy: Record<string, { spiking: number; rate: number; images: number }> };
    };
    const stated = json.provenance.accuracy[KEY];
    expect(stated.images).toBe(500);
    const card = readFileSync(`${MODEL}/README.md`, "utf8");
    expect(card).toMatch(new RegExp(`${(100 * stated.spiking).toFixed(1)} ?%`));
    const report = await evaluateModel({
      modelDir: MODEL,
      dataset: "fashion-mnist",
      split: "test",
      dataDir: FIXTURE,
      synapses: ["model"],
    });
    expect(report.images).toBe(500);
    expect(report.spiking.accuracy).toBeGreaterThanOrEqual(stated.spiking - 0.02);
    expect(report.rate?.accuracy).toBeGreaterThanOrEqual(stated.rate - 0.02);
    // 500 images × 200 ticks: ~27 s on a quiet 2-core machine, past the default 60 s on a busy one.
  }, 180_000);
});

describe("shipped fashion-mnist-rows-srnn", () => {
  it("our engine and TF.js classify the 500-image fixture alike, near the stated test accuracy", async () => {
    const SRNN = new URL("../../models/fashion-mnist-rows-srnn", import.meta.url).pathname;
    const json = JSON.parse(readFileSync(`${SRNN}/model.json`, "utf8")) as {
      provenance: { accuracy: Record<string, number> };
    };
    const [[key, stated]] = Object.entries(json.provenance.accuracy);
    expect(key).toMatch(/test \(10000/);
    expect(readFileSync(`${SRNN}/README.md`, "utf8")).toContain(`${(100 * stated).toFixed(2)} %`);
    // The trained parameters as the trainer left them, run by TF.js on the fixture ...
    await initBackend("wasm");
    const ck = loadAnyCheckpoint(`${SRNN}/checkpoint`);
    const config = ck.meta.config as SequenceTrainConfig;
    const { set } = configSequences(config, "test", FIXTURE);
    const plan = planSequenceNetwork(config, set.steps, set.inputSize, set.classes.length);
    const tf = evaluateSequenceSet(plan, ck.params, set);
    // ... and the exported model run by our engine.
    const report = await evaluateModel({
      modelDir: SRNN,
      dataset: "fashion-mnist",
      split: "test",
      dataDir: FIXTURE,
      synapses: ["model"],
    });
    expect(report.images).toBe(500);
    expect(Math.abs(report.spiking.accuracy - tf.accuracy)).toBeLessThanOrEqual(2 / 500);
    // Three standard errors below the full test set's figure: a worse model fails, luck does not.
    expect(report.spiking.accuracy).toBeGreaterThanOrEqual(
      stated - 3 * Math.sqrt((stated * (1 - stated)) / 500),
    );
  });
});
