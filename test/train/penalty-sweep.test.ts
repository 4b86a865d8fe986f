import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lineChartSvg } from "../../src/train/plot.js";
import { sweepReproduce, sweepResults } from "../../src/train/srnn/card-sweep.js";
import {
  gatherSweep,
  recordedSweep,
  sweepSvg,
  writeSweep,
} from "../../src/train/srnn/penalty-sweep.js";

const root = mkdtempSync(join(tmpdir(), "spikenode-sweep-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A run directory as train + eval leave it (only the fields the sweep reads). */
function run(name: string, strength: number, frameAccuracy: number, spikesPerFrame: number) {
  const dir = join(root, name);
  mkdirSync(join(dir, "checkpoint"), { recursive: true });
  const w = (f: string, v: unknown) => writeFileSync(join(dir, f), JSON.stringify(v));
  w("model.json", {
    name,
    labels: ["a", "b"],
    layers: [
      { type: "recurrent_dense", weights: { offset: 0, shape: [4, 10] } },
      { type: "dense", weights: { offset: 0, shape: [2, 4] } },
    ],
  });
  w("checkpoint/checkpoint.json", { config: { sparsity: { type: "l1", strength } } });
  w("training.json", { history: [{ valAccuracy: 0.8, valFiringRate: 0.1 }] });
  w("eval-test.json", {
    dataset: "moving-fashion-mnist",
    clips: 10,
    ticksPerFrame: 2,
    frameAccuracy,
    clipAccuracy: 0.9,
    spikesPerNeuronPerStep: spikesPerFrame / 12,
    spikesPerFrame,
    synopsPerFrame: 20 + spikesPerFrame * 6,
    inputOpsPerFrame: 20,
  });
  return dir;
}

describe("penalty sweep", () => {
  it("gathers runs by strength and prices each frame from its measured spikes", async () => {
    const report = gatherSweep([run("strong", 2, 0.7, 1), run("none", 0, 0.8, 5)]);
    expect(report.rows.map((r) => r.penalty.strength)).toEqual([0, 2]);
    // 2 ticks, 10 inputs → 4 ALIF → 2 readout; λ=0: 5 spikes/frame, 20 input events' accumulates.
    // ACs 20 + 5·4 + 5·2 = 50 × 0.9 pJ; state MACs 2·(2·4 + 2) = 20 × 4.6 pJ → 137 pJ.
    expect(report.rows[0].energyPerFrame["cmos45-horowitz"].snn).toBeCloseTo(137e-12, 22);
    // The RNN: 2·(4·(10 + 4) + 2·4) = 128 MACs + 4 readout leaks = 132 × 4.6 + 8 tanh × 0.9.
    expect(report.rows[0].energyPerFrame["cmos45-horowitz"].rnn).toBeCloseTo(614.4e-12, 22);
    const svg = sweepSvg(report);
    expect(svg).toContain("λ=0");
    expect(svg).toContain("λ=2");
    expect(svg).toContain("as an RNN: fp32 1, int8 0");
    const out = join(root, "sweep");
    await writeSweep(report, out);
    expect(JSON.parse(readFileSync(`${out}.json`, "utf8")).rows).toHaveLength(2);
    expect(readFileSync(`${out}.png`).subarray(1, 4).toString()).toBe("PNG");
  });

  it("prices recorded figures as a run's eval, and refuses a row whose counts do not add up", () => {
    const dir = run("recorded-model", 0.5, 0.8, 5);
    const row = (strength: number, spikesPerFrame: number, synopsPerFrame: number) => ({
      penalty: { type: "l1", strength },
      clips: 10,
      frameAccuracy: 0.8,
      spikesPerNeuronPerStep: spikesPerFrame / 8,
      spikesPerFrame,
      synopsPerFrame,
      inputOpsPerFrame: 20,
    });
    const rec = { note: "hand-made", dataset: "moving-fashion-mnist", ticksPerFrame: 2 };
    // Fan-out 4 + 2: 20 + 5 × 6 = 50 synaptic operations; priced as the run-directory case.
    const report = recordedSweep({ ...rec, rows: [row(0, 5, 50)] }, dir);
    expect(report.rows[0].energyPerFrame["cmos45-horowitz"].snn).toBeCloseTo(137e-12, 22);
    expect(report.rows[0].source).toBe("hand-made");
    expect(report.rows[0].test.clipAccuracy).toBeNull();
    expect(() => recordedSweep({ ...rec, rows: [row(1, 5, 60)] }, dir)).toThrow(
      /λ=1: synopsPerFrame 60 is not input events 20 \+ spikes 5 × fan-out 6 = 50\.0/,
    );
    const card = sweepResults(report, 0).join("\n");
    expect(card).toContain("| 0 (shipped) | 80.00 % | – | 0.6250 | 50 | 0.14 |");
    expect(sweepReproduce(report, "c.yaml", "models/m").join("\n")).toContain("--recorded");
  });

  it("names a run that is not a stream eval, and a missing file", () => {
    const dir = run("frames", 1, 0.5, 1);
    writeFileSync(join(dir, "eval-test.json"), JSON.stringify({ spiking: { accuracy: 0.9 } }));
    expect(() => gatherSweep([dir])).toThrow(/frames.*not a stream eval/);
    expect(() => gatherSweep([join(root, "absent")])).toThrow(/absent.*model\.json: missing/);
  });

  it("a log x axis puts decades at equal distances and refuses x <= 0", () => {
    const svg = lineChartSvg(
      [
        {
          label: "s",
          points: [
            [1, 0],
            [10, 1],
            [100, 2],
          ],
        },
      ],
      {
        title: "t",
        xLabel: "x",
        yLabel: "y",
        logX: true,
        legend: false,
      },
    );
    const cx = [...svg.matchAll(/<circle cx="([0-9.]+)"/g)].map((m) => Number(m[1]));
    expect(cx[1] - cx[0]).toBeCloseTo(cx[2] - cx[1], 0);
    expect(svg).toContain(">100</text>");
    expect(() =>
      lineChartSvg([{ label: "s", points: [[0, 0]] }], {
        title: "z",
        xLabel: "",
        yLabel: "",
        logX: true,
      }),
    ).toThrow(/log x axis needs every x > 0/);
  });
});
