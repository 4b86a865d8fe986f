/**
 * A sequence model (rows encoder, recurrent ALIF, leaky-integrator readout) through the real
 * pipeline: the same result as a direct engine run with the model's encoder, every frame its
 * whole sequence in both presentation modes, and encoder overrides that cannot fit refused.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decoderForModel } from "../../src/decode/index.js";
import { encoderForModel } from "../../src/encode/index.js";
import { ImagePreprocessor } from "../../src/image/index.js";
import { createNetwork, loadModel, type Model } from "../../src/snn/index.js";
import { createPipeline } from "../../src/stream/pipeline.js";
import { SyntheticCamera } from "../../src/stream/synthetic-camera.js";
import type { ClassificationResult, PipelineOptions, RawImage } from "../../src/stream/types.js";
import { packModel, randomTensor, rng } from "../snn/helpers.js";

let dir: string;
let model: Model;

beforeAll(async () => {
  const r = rng(11);
  const alif = (n: number) => ({
    model: "alif",
    tau_m: randomTensor([n], r, 0.005, 0.02),
    tau_adp: randomTensor([n], r, 0.02, 0.2),
    b0: 0.01,
    beta: 1.8,
  });
  const { json, bytes } = packModel({
    inputShape: [1, 8, 8],
    encoder: { type: "rows", gain: 1, bias: 0 },
    timesteps: 8,
    layers: [
      {
        type: "recurrent_dense",
        weights: randomTensor([16, 8], r, 0.5, 0.05),
        recurrent_weights: randomTensor([16, 16], r, 0.3),
        neuron: alif(16),
      },
      {
        type: "dense",
        weights: randomTensor([4, 16], r, 1),
        neuron: { model: "leaky_integrator", tau: 0.02 },
      },
    ],
    readout: { type: "membrane", window: { start: 2 } },
  });
  dir = await mkdtemp(path.join(os.tmpdir(), "spikenode-seq-pipeline-"));
  await writeFile(path.join(dir, "model.json"), JSON.stringify(json));
  await writeFile(path.join(dir, "weights.bin"), bytes);
  model = await loadModel(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const camera = () => new SyntheticCamera({ width: 40, height: 30, encoding: "mono8", fps: 30 });

async function run(options: Omit<PipelineOptions, "model">, frames: RawImage[]) {
  const p = createPipeline({ model: dir, queueCapacity: 8, ...options });
  const results: ClassificationResult[] = [];
  const errors: unknown[] = [];
  p.results$.subscribe((x) => results.push(x));
  p.errors$.subscribe((e) => errors.push(e));
  for (const f of frames) {
    await p.capacityAvailable();
    p.push({ kind: "image", message: f });
  }
  await p.close();
  return { results, errors };
}

describe("pipeline with a rows-encoded ALIF model", () => {
  it("reset mode: each frame's result equals network.run with the model's encoder", async () => {
    const cam = camera();
    const frames = Array.from({ length: 4 }, (_, i) => cam.frame(i));
    const pre = new ImagePreprocessor(model.spec.input);
    const net = createNetwork(model);
    const encoder = encoderForModel(model.spec);
    const decoder = decoderForModel(model.spec);
    const expected = frames.map((f) => {
      const { scores, counters } = net.run(
        pre.fromRaw({ ...f, data: f.data.slice() }),
        undefined,
        encoder,
      );
      const d = decoder.decode(scores, 8 - 2);
      return { scores: d.scores, classId: d.classId, spikes: counters.total.spikes };
    });
    const { results, errors } = await run({}, frames);
    expect(errors).toEqual([]);
    results.forEach((r, i) => {
      expect(r.timestepsUsed).toBe(8);
      expect(r.counters.total.spikes).toBe(expected[i].spikes);
      expect(r.scores).toEqual(expected[i].scores);
      expect(r.classId).toBe(expected[i].classId);
      // Row currents are real values: the input-driven operations are multiply-accumulates; a
      // recurrent first layer's own spikes stay accumulates.
      expect(r.energy.inputMacs).toBe(r.counters.inputOps);
      expect(r.counters.inputOps).toBeLessThan(r.counters.layers[0].synapticOps);
    });
    expect(results.some((r) => r.counters.total.spikes > 0)).toBe(true);
  });

  it("continuous mode: state carries over, but every frame is still its whole 8-row sequence", async () => {
    const cam = camera();
    const frames = Array.from({ length: 3 }, () => cam.frame(1));
    frames.forEach(
      (f, i) => (f.header = { ...f.header, stamp: { sec: 5, nanosec: i * 33_000_000 } }),
    );
    const { results, errors } = await run({ presentation: "continuous" }, frames);
    expect(errors).toEqual([]);
    expect(results.map((r) => r.timestepsUsed)).toEqual([8, 8, 8]);
    // The same picture from a warm state differs from the first presentation (from rest).
    expect(results[1].scores).not.toEqual(results[0].scores);
  });

  it("refuses an encoder override that changes what the first layer reads, and a timesteps override", async () => {
    const p = createPipeline({ model: dir, encoder: { type: "constant" } });
    await expect(p.ready()).rejects.toThrow(
      /feeds the first layer \[1, 8, 8\].*"rows" encoder's \[8\]/,
    );
    await p.close();
    const q = createPipeline({ model: dir, timesteps: 20 });
    await expect(q.ready()).rejects.toThrow(/rows sequence of 8 ticks.*Leave timesteps unset/);
    await q.close();
  });
});
