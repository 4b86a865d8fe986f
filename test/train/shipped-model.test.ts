import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluateModel } from "../../src/train/evaluate.js";

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
  });
});
