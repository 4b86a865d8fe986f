import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/train/backend.js";
import { parseTrainConfig } from "../../src/train/config.js";
import { accuracyPlotSvg, evaluateModel, sweepTimesteps } from "../../src/train/evaluate.js";
import { buildModel, writeModel } from "../../src/train/export.js";
import { parseSynapseName, withInitialVoltage, withSynapse } from "../../src/train/spiking-eval.js";
import {
  accuracyEnergySvg,
  buildReport,
  pointFromReport,
} from "../../src/train/accuracy-energy.js";
import { train } from "../../src/train/train-soft-lif.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "spikenode-eval-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await initBackend("wasm");
  const config = parseTrainConfig(
    JSON.stringify({
      name: "eval-tiny",
      dataset: { name: "fashion-mnist", validation: 100 },
      layers: [
        { type: "conv2d", filters: 4, kernel: 5, padding: 2, stride: 2 },
        { type: "avgpool2d", size: 2 },
        { type: "dense", units: 24 },
        { type: "dense", units: 10, activation: "linear" },
      ],
      training: { epochs: 2, batch_size: 20, lr: 0.003 },
      spiking: { timesteps: 50, readout_start: 20, synapse: { type: "lowpass", tau: 0.003 } },
    }),
    "eval-tiny.json",
  );
  const r = await train({
    config,
    out: dir,
    resume: false,
    threads: 1,
    backend: "wasm",
    dataDir: FIXTURE,
    progress: false,
    log: () => {},
  });
  writeModel(
    dir,
    buildModel({
      config,
      plan: r.plan,
      params: r.params,
      labels: r.train.classes,
      inputCHW: r.train.shape,
      history: r.history,
    }),
    r.history,
  );
});

describe("spikenode eval", () => {
  it("reports spiking and rate accuracy, rates, synops and a timestep sweep; threads do not change results", async () => {
    const opts = {
      modelDir: dir,
      dataset: "fashion-mnist" as const,
      split: "test" as const,
      limit: 30,
      synapses: ["model", "none"],
      dataDir: FIXTURE,
    };
    const one = await evaluateModel({ ...opts, threads: 1 });
    const two = await evaluateModel({ ...opts, threads: 2 });
    expect(two.spiking.accuracy).toBe(one.spiking.accuracy);
    expect(two.sweep).toEqual(one.sweep);
    expect(two.spiking.synopsPerImage).toBe(one.spiking.synopsPerImage);
    expect(one.images).toBe(30);
    expect(one.spiking.window).toEqual([20, 50]);
    expect(one.spiking.synapse).toBe("model (lowpass:0.003)");
    expect(one.rate?.accuracy).toBeGreaterThan(0.3);
    expect(one.spiking.synopsPerImage).toBeGreaterThan(0);
    expect(one.spiking.layers.map((l) => l.layer)).toEqual([0, 3, 4]);
    expect(one.spiking.layers[0].rateHz).toBeGreaterThan(0);
    expect(one.rate?.meanRateHz[2]).toBeNull();
    // Sweep: both synapses, every ladder point with a whole and a late window.
    expect(new Set(one.sweep.map((p) => p.synapse))).toEqual(new Set(["model", "none"]));
    expect(
      one.sweep.filter((p) => p.synapse === "none" && p.start === 0).map((p) => p.timesteps),
    ).toEqual(sweepTimesteps(50));
    // The model's own window at T = 50 equals the sweep's late window at 50 (start 0.4·50 = 20).
    expect(
      one.sweep.find((p) => p.synapse === "model" && p.timesteps === 50 && p.start === 20)
        ?.accuracy,
    ).toBe(one.spiking.accuracy);
    expect(accuracyPlotSvg(one)).toContain("rate network");
    expect(one.framing).toBe("native");
  });

  it("evaluates camera-framed images through the node's preprocessing (--framing)", async () => {
    const opts = {
      modelDir: dir,
      dataset: "fashion-mnist" as const,
      split: "test" as const,
      limit: 10,
      synapses: ["model"],
      dataDir: FIXTURE,
      threads: 1,
    };
    const camera = await evaluateModel({ ...opts, framing: { jpegQuality: 75, seed: 2 } });
    expect(camera.framing).toBe("camera-jpeg75");
    expect(camera.images).toBe(10);
    // Other pixels, so other activity than the native images give.
    const native = await evaluateModel(opts);
    expect(camera.spiking.synopsPerImage).not.toBe(native.spiking.synopsPerImage);
  });

  it("parses synapse names and replaces every weighted layer's synapse", () => {
    expect(parseSynapseName("model")).toBeNull();
    expect(parseSynapseName("alpha:0.005")).toEqual({ type: "alpha", tau: 0.005 });
    expect(() => parseSynapseName("alpha")).toThrow(/synapse "alpha" not understood/);
    const json = withSynapse(
      { layers: [{ type: "flatten" }, { type: "dense", synapse: { type: "none" } }] } as never,
      "lowpass:0.01",
    ) as unknown as { layers: { synapse?: unknown }[] };
    expect(json.layers[0].synapse).toBeUndefined();
    expect(json.layers[1].synapse).toEqual({ type: "lowpass", tau: 0.01 });
  });
  it("--initial-voltage uniform starts every LIF layer at spread membranes: more spikes early, same rate network", async () => {
    const opts = {
      modelDir: dir,
      dataset: "fashion-mnist" as const,
      split: "test" as const,
      limit: 20,
      timesteps: 10,
      synapses: ["model"],
      dataDir: FIXTURE,
      threads: 1,
    };
    const zero = await evaluateModel({ ...opts, initialVoltage: "zero" });
    const uniform = await evaluateModel({ ...opts, initialVoltage: "uniform" });
    const model = await evaluateModel(opts);
    expect(model.spiking).toEqual(zero.spiking);
    expect(uniform.rate).toEqual(zero.rate);
    // In 10 ticks a neuron starting at 0 has barely begun; one starting at a spread phase fires.
    expect(uniform.spiking.layers[0].spikesPerImage).toBeGreaterThan(
      1.5 * zero.spiking.layers[0].spikesPerImage,
    );
    const json = withInitialVoltage(
      {
        layers: [
          { type: "dense", neuron: { model: "lif", v_th: 2 } },
          { type: "dense", neuron: { model: "linear" } },
        ],
      } as never,
      "uniform",
    ) as unknown as { layers: { neuron: Record<string, unknown> }[] };
    expect(json.layers[0].neuron.initial_voltage).toEqual({
      distribution: "uniform",
      low: 0,
      high: 2,
    });
    expect(json.layers[1].neuron.initial_voltage).toBeUndefined();
  });

  it("draws accuracy against energy from eval reports, the ANN as a vertical line, and refuses other JSON", async () => {
    const base = {
      modelDir: dir,
      dataset: "fashion-mnist" as const,
      split: "test" as const,
      limit: 10,
      synapses: ["model"],
      dataDir: FIXTURE,
      threads: 1,
    };
    const files = [20, 50].map((t) => {
      const f = join(dir, `eval-T${t}.json`);
      return { f, t };
    });
    for (const { f, t } of files) {
      const r = await evaluateModel({ ...base, timesteps: t });
      writeFileSync(f, JSON.stringify(r));
    }
    const report = buildReport("cmos45-horowitz", [`tiny=${files.map((x) => x.f).join(",")}`]);
    const pts = report.series[0].points;
    expect(pts.map((p) => p.setting)).toEqual(["T20 [19,20)", "T50 [20,50)"]);
    expect(pts[0].energy).toBeLessThan(pts[1].energy);
    expect(pts[0].annEnergy).toBeCloseTo(pts[1].annEnergy, 12);
    expect(pts[0].annLabel).toBe("fp32 ANN");
    const svg = accuracyEnergySvg(report);
    expect(svg).toContain("fp32 ANN");
    expect(svg).toContain("T50");
    expect(() => pointFromReport("x.json", { hello: 1 }, "cmos45-horowitz")).toThrow(
      /x\.json: neither an eval report .* nor a replay summary/,
    );
    const evalJson = JSON.parse(readFileSync(files[0].f, "utf8")) as unknown;
    expect(() => pointFromReport("e.json", evalJson, "no-such-profile")).toThrow(
      /no energy under profile "no-such-profile"/,
    );
  });
});
