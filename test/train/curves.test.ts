import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accuracyPlotSvg, type EvalReport } from "../../src/train/evaluate.js";
import type { EpochRecord } from "../../src/train/checkpoint.js";
import { CURVE_LEGENDS, earlierStages, trainingCurvesSvg } from "../../src/train/plot.js";
import { ROOT } from "../support/cli.js";

const record = (epoch: number, extra: Partial<EpochRecord> = {}): EpochRecord => ({
  epoch,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.5 + epoch / 100,
  valLoss: 1.2 / epoch,
  valAccuracy: 0.5 + epoch / 110,
  lr: 1e-3,
  seconds: 1,
  threads: 1,
  ...extra,
});

/** The x pixel of every drawn point of the series with this legend label, in order. */
function xsOf(svg: string, chart: number): number[] {
  const part = svg.split("<svg ")[chart + 2];
  return [...part.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
}

describe("training curves", () => {
  it("draw the --init-from chain: the base's epochs, then this run's continuing their numbering", () => {
    const base = Array.from({ length: 20 }, (_, i) => record(i + 1));
    // Weight averaging: 8 more epochs, each with the running mean's validation.
    const swa = Array.from({ length: 8 }, (_, i) =>
      record(i + 1, { averageOf: i + 1, averageValAccuracy: 0.7 + i / 1000 }),
    );
    const before = earlierStages({
      path: "base",
      name: "base",
      epochsDone: 20,
      batchesIntoEpoch: 0,
      history: base,
    });
    const svg = trainingCurvesSvg(swa, "run", { before });
    expect(svg).toContain(">weight averaging<");
    expect(svg).toContain(">weight mean, validation<");
    expect(svg).toContain(">cross-entropy loss<");
    // Accuracy chart: 28 train + 28 validation + 8 mean points; the mean's lie on the last 8 epochs.
    const xs = xsOf(svg, 0);
    expect(xs).toHaveLength(28 + 28 + 8);
    expect(xs.slice(56)).toEqual(xs.slice(20, 28));
    // The loss chart has train and validation only.
    expect(xsOf(svg, 1)).toHaveLength(56);
    // Without the chain the same 8 epochs are numbered 1..8 and the axis ends at 8.
    expect(trainingCurvesSvg(swa, "run")).not.toContain(">20<");
    expect(svg).toContain(">20<");
  });

  it("legends say what each kind measured: soft-LIF rate for feed-forward, spikes for srnn, plain for RNN/LSTM", () => {
    const h = [record(1), record(2)];
    expect(trainingCurvesSvg(h, "ff")).toContain("validation (soft-LIF rate)");
    const srnn = trainingCurvesSvg(h, "s", { legend: CURVE_LEGENDS.srnn });
    expect(srnn).toContain("validation (spiking)");
    expect(srnn).not.toContain("soft-LIF");
    const lstm = trainingCurvesSvg(h, "l", { legend: CURVE_LEGENDS.lstm });
    expect(lstm).not.toMatch(/soft-LIF|noisy|rate\)/);
  });

  it("a checkpoint from before chains were recorded ends the chain there", () => {
    expect(earlierStages({ path: "x", name: "x", epochsDone: 3, batchesIntoEpoch: 0 })).toEqual([]);
  });
});

describe("accuracy against timesteps", () => {
  it("draws every swept point inside the frame, short T near chance included", () => {
    const report = JSON.parse(
      readFileSync(join(ROOT, "models/fashion-mnist-lif/eval-sweep-2000.json"), "utf8"),
    ) as EvalReport;
    const svg = accuracyPlotSvg(report);
    const charts = svg.split("<svg ").slice(2);
    const cys = (part: string) =>
      [...part.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    // The whole-range chart: 460 high, plot area from 40 to 410 (the old floor cut T ≤ 30 at 410).
    const all = cys(charts[0]);
    const lowest = Math.min(...report.sweep.map((p) => p.accuracy));
    expect(lowest).toBeLessThan(0.15);
    expect(all.length).toBeGreaterThanOrEqual(8 * 11);
    for (const y of all) {
      expect(y).toBeGreaterThanOrEqual(40);
      expect(y).toBeLessThan(410);
    }
    // The zoom starts where every line is on the plateau, so nothing is cut there either.
    for (const y of cys(charts[1])) {
      expect(y).toBeGreaterThanOrEqual(40);
      expect(y).toBeLessThan(410);
    }
  });
});
