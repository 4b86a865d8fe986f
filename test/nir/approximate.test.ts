/**
 * export-nir --approximate (src/nir/approximate.ts): what it writes is exact where the mapping
 * says it is (a leaky integrator at the model's dt, spike heights carried by the next weights),
 * and on the shipped models the re-imported approximation stays close to ours on real test
 * images (the check export-nir --check-dataset prints). Figures are from our engine.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  asRunAlongside,
  compareApproximation,
  formatApproximationReport,
} from "../../src/cli/nir-approx-check.js";
import { importNirFile, NirError, writeNir } from "../../src/nir/index.js";
import {
  createNetwork,
  loadModel,
  parseModel,
  runSequence,
  WeightsWriter,
  type ModelSpecInput,
} from "../../src/snn/index.js";
import { loadDataset } from "../../src/train/datasets/index.js";
import { modelInputs } from "../../src/train/evaluate.js";
import { ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

/** dense 4 → 3 (bias) of the given neuron, synapse none, as a model with a constant encoder. */
function tinyModel(
  neuron: (w: WeightsWriter) => Record<string, unknown>,
  readout: "membrane" | "spike_count",
) {
  const w = new WeightsWriter();
  const weights = w.add(
    Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)),
    [3, 4],
  );
  const bias = w.add(Float32Array.from([0.1, -0.2, 0.3]), [3]);
  const n = neuron(w);
  const bytes = w.bytes();
  const spec: ModelSpecInput = {
    format: "spikenode-model",
    version: 2,
    name: "tiny",
    dt: 1e-3,
    weights: { file: "weights.bin", bytes: bytes.byteLength },
    input: { shape: [1, 1, 4], encoder: { type: "constant", gain: 2, bias: 0 } },
    presentation: { mode: "reset", timesteps: 50 },
    layers: [
      { type: "flatten", name: "flat", inputs: ["input"] },
      { type: "dense", name: "li", inputs: ["flat"], weights, bias, neuron: n },
    ] as unknown as ModelSpecInput["layers"],
    readout: { type: readout },
    labels: ["a", "b", "c"],
    provenance: { method: "hand-written" },
  };
  return parseModel(spec, bytes, "tiny");
}

describe("export-nir --approximate", () => {
  it("a leaky integrator becomes NIR LI at τ* = dt/(1 − e^(−dt/τ)), exact per step; the encoder's gain goes into the weights", async () => {
    const ours = tinyModel(() => ({ model: "leaky_integrator", tau: 0.01 }), "membrane");
    const file = join(tempDir(), "li.nir");
    await expect(writeNir(ours, file)).rejects.toThrow(/--approximate writes the nearest/);
    const { approximations } = await writeNir(ours, file, { approximate: true });
    expect(approximations[0].changes[0]).toMatch(/leaky integrator τ 0\.01 s as NIR LI/);
    const theirs = asRunAlongside(ours, await importNirFile(file, { dt: 1e-3 }));
    const input = new Float32Array(50 * 4);
    for (let i = 0; i < input.length; i++) input[i] = (i % 7) / 7;
    // runSequence feeds the values as given: ours gets what its gain-2 encoder would make, the
    // approximation the raw values (its first weights carry the gain).
    const scaled = input.map((x) => 2 * x);
    const a = runSequence(createNetwork(ours), scaled, 50).perTick;
    const b = runSequence(createNetwork(theirs), input, 50).perTick;
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 5);
  });

  it("ALIF is still refused, naming the layer", async () => {
    const m = tinyModel(
      (w) => ({
        model: "alif",
        tau_m: w.add(new Float32Array(3).fill(0.02), [3]),
        tau_adp: w.add(new Float32Array(3).fill(0.2), [3]),
        b0: 1,
        beta: 1.8,
      }),
      "spike_count",
    );
    const err = await writeNir(m, join(tempDir(), "alif.nir"), { approximate: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NirError);
    expect((err as Error).message).toMatch(
      /layers\[1\] \(dense "li"\).*ALIF's adaptive threshold has no NIR node type/,
    );
  });

  for (const [name, dataset, count] of [
    ["mnist-lif", "mnist", 12],
    ["fashion-mnist-lif", "fashion-mnist", 8],
  ] as const) {
    it(`models/${name}: the re-imported approximation picks the same class on ${dataset} test images, spikes within the reported distance`, async () => {
      const ours = await loadModel(join(ROOT, "models", name));
      const file = join(tempDir(), `${name}.nir`);
      const written = await writeNir(ours, file, { approximate: true });
      // Every spiking layer and the output were rewritten, and say how.
      expect(written.approximations.map((a) => a.layer)).toHaveLength(4);
      const theirs = asRunAlongside(ours, await importNirFile(file, { dt: ours.spec.dt }));
      const { pixels, labels } = modelInputs(loadDataset(dataset, "test"), ours, count);
      const r = compareApproximation(ours, theirs, {
        source: `${dataset} test`,
        images: pixels,
        count,
        labels,
      });
      expect(r.layers.map((l) => l.layer)).toEqual(["layer0", "layer2", "layer5"]);
      // No refractory period: more spikes, never fewer than half or more than double ours.
      for (const l of r.layers) {
        expect(l.ours).toBeGreaterThan(0);
        expect(l.change).toBeGreaterThan(-0.5);
        expect(l.change).toBeLessThan(1.0);
      }
      expect(r.sameClass).toBeGreaterThanOrEqual(0.8);
      expect(Math.abs(r.accuracy!.approximation - r.accuracy!.ours)).toBeLessThanOrEqual(0.25);
      expect(formatApproximationReport(r)).toMatch(/same class: \d+\.\d\d %/);
    });
  }
});
