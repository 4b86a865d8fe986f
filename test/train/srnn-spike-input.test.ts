import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeSequence, encoderForModel } from "../../src/encode/index.js";
import { compareSequenceEnergy } from "../../src/power/recurrent.js";
import { ProfileRegistry } from "../../src/power/profiles.js";
import { createNetwork } from "../../src/snn/create-network.js";
import { parseModel } from "../../src/snn/model.js";
import { loadModel } from "../../src/snn/model-file.js";
import type { ModelSpecInput } from "../../src/snn/model-spec.js";
import { initBackend } from "../../src/train/backend.js";
import { parseAnyTrainConfig } from "../../src/train/config.js";
import { loadFashionMnist } from "../../src/train/datasets/fashion-mnist.js";
import { modelInputs } from "../../src/train/evaluate.js";
import { Rng } from "../../src/train/rng.js";
import type { SequenceTrainConfig } from "../../src/train/srnn/config.js";
import { buildSrnnModel } from "../../src/train/srnn/export-srnn.js";
import { finishSequenceRun } from "../../src/train/srnn/finish.js";
import {
  forwardSequence,
  initSequenceParams,
  planSequenceNetwork,
} from "../../src/train/srnn/recurrent-net.js";
import { sequenceDecisions } from "../../src/train/srnn/seq-gradients.js";
import { imageSequences, sequenceEncoder } from "../../src/train/srnn/sequences.js";
import { trainSequence } from "../../src/train/srnn/train-sequence.js";
import { tempDir } from "../support/temp.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;

beforeAll(async () => {
  await initBackend("wasm");
});

function spikeConfig(extra: Record<string, unknown> = {}): SequenceTrainConfig {
  return parseAnyTrainConfig(
    JSON.stringify({
      name: "spike-input-test",
      kind: "srnn",
      dataset: {
        name: "fashion-mnist",
        validation: 0,
        encoding: { type: "rows", spikes: { levels: 3 } },
      },
      hidden: [16, 12],
      readout: { tau: 4, start: 5 },
      training: { epochs: 1, batch_size: 4, seed: 5 },
      ...extra,
    }),
    "spike-input-test.json",
  ) as SequenceTrainConfig;
}

describe("spike-coded sequence input: TF.js training against the engine", () => {
  it("gives the same spikes, tick by tick, in every layer, from the model file's encoder", () => {
    // Images of T rows × W pixels, level-crossing coded at 3 levels: 2·3·W binary input lines.
    // As in srnn-alif.test.ts, float32 (TF.js) against float64 (engine) can only flip a spike
    // whose u − θ lies within rounding error of 0, so the margins are checked first.
    const config = spikeConfig();
    const [T, W, B] = [20, 6, 3];
    const shape: [number, number, number] = [1, T, W];
    const encoder = sequenceEncoder(shape, config.dataset.encoding);
    const nIn = encoder.outputSize;
    expect(nIn).toBe(2 * 3 * W);
    const plan = planSequenceNetwork(config, T, nIn, 5);
    const params = initSequenceParams(plan, 7);
    const rng = new Rng(13);
    params.forEach((p, i) => {
      if (plan.params[i].role === "bias")
        for (let k = 0; k < p.length; k++) p[k] = 0.3 * rng.next();
      if (plan.params[i].role === "w_in") for (let k = 0; k < p.length; k++) p[k] *= 3;
    });
    // Smooth random images (a random walk down each column) so lines cross both ways.
    const images = Array.from({ length: B }, () => {
      const img = new Float64Array(T * W);
      for (let x = 0; x < W; x++) {
        let v = rng.next();
        for (let y = 0; y < T; y++) {
          v = Math.min(1, Math.max(0, v + 0.5 * (rng.next() - 0.5)));
          img[y * W + x] = v;
        }
      }
      return img;
    });
    // Training's inputs: the engine's own encoder (sequences.ts), rounded to float32.
    const x = new Float32Array(B * T * nIn);
    images.forEach((img, b) =>
      encodeSequence(encoder, img, T, x.subarray(b * T * nIn, (b + 1) * T * nIn)),
    );
    const events = x.filter((v) => v !== 0).length;
    expect(x.every((v) => v === 0 || v === 1)).toBe(true);
    expect(events).toBeGreaterThan(B * W * 3);

    const tfOut = tf.tidy(() => {
      const out = forwardSequence(
        plan,
        params.map((p, i) => tf.tensor(p, plan.params[i].shape)),
        tf.tensor3d(x, [B, T, nIn]),
        true,
      );
      return {
        hidden: out.hidden.map((h) => h.arraySync() as number[][][]),
        margins: (out.margins ?? []).map((m) => m.abs().min().dataSync()[0]),
      };
    });
    for (const m of tfOut.margins) expect(m).toBeGreaterThan(1e-4);

    const model = buildSrnnModel({
      config,
      plan,
      params,
      labels: ["a", "b", "c", "d", "e"],
      imageShape: shape,
      history: [],
    });
    expect(model.json.input.encoder).toEqual({
      type: "rows",
      gain: 1,
      bias: 0,
      ticks_per_row: 1,
      spikes: { levels: 3, amplitude: 1 },
    });
    const upTo = (n: number) => {
      const json = JSON.parse(JSON.stringify(model.json)) as ModelSpecInput & {
        layers: unknown[];
      };
      json.layers = json.layers.slice(0, n);
      json.readout = { type: "spike_count" };
      json.labels = Array.from({ length: plan.hidden[n - 1] }, (_, i) => `n${i}`);
      return parseModel(json, model.weights, `layers 1..${n}`);
    };
    let total = 0;
    for (const engine of ["reference", "fast"] as const) {
      const models = [upTo(1), upTo(2)];
      const nets = models.map((m) => createNetwork(m, { engine }));
      // The engine reads the image through the encoder the model file names.
      const encoders = models.map((m) => encoderForModel(m.spec));
      for (let b = 0; b < B; b++) {
        nets.forEach((net, l) => {
          net.reset();
          encoders[l].reset();
          encoders[l].present(images[b]);
        });
        for (let t = 0; t < T; t++) {
          nets.forEach((net, l) => {
            net.tick(encoders[l].tick());
            const want = tfOut.hidden[l][t][b];
            expect(Array.from(net.spikes), `${engine} layer ${l} sample ${b} tick ${t}`).toEqual(
              want,
            );
            total += want.reduce((s, v) => s + v, 0);
          });
        }
      }
      // Input operations are the events times their fan-out (accumulates, not MACs).
      const net = createNetwork(upTo(1), { engine });
      const { counters } = net.run(images[0], undefined, encoderForModel(upTo(1).spec));
      const ev = x.subarray(0, T * nIn).filter((v) => v !== 0).length;
      expect(counters.inputOps).toBe(ev * plan.hidden[0]);
    }
    expect(total).toBeGreaterThan(100);
    expect(total).toBeLessThan(0.8 * 2 * B * T * (16 + 12));
  });

  it("trains, exports a model whose input costs accumulates, and the engine decides as TF.js", async () => {
    const config = spikeConfig({
      dataset: {
        name: "fashion-mnist",
        validation: 50,
        limit: 300,
        test_limit: 40,
        encoding: { type: "rows", spikes: { levels: 2 } },
      },
      readout: { tau: 5, start: 14 },
      sparsity: { type: "target", strength: 5, target: 0.05 },
      training: { epochs: 1, batch_size: 25, lr: 0.01, seed: 3 },
    });
    const out = tempDir("spikenode-spike-input-");
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
    expect(model.encodedSize).toBe(28 * 4);
    const prov = model.spec.provenance as Record<string, number>;
    expect(prov.input_macs_per_sample).toBeUndefined();
    expect(prov.input_acs_per_sample).toBeCloseTo(prov.input_events_per_sample * 16, 6);
    // Under a profile the input then costs no MACs: only the state leaks are multiplies.
    const energy = compareSequenceEnergy(
      { steps: 28, inputSize: 28 * 4, hidden: [16, 12], outputs: 10 },
      {
        layerSpikesPerSample: prov.layer_spikes_per_sample as unknown as number[],
        inputAcsPerSample: prov.input_acs_per_sample,
      },
      new ProfileRegistry().get("cmos45-horowitz"),
    );
    expect(energy.snn.parts.inputMacs).toBe(0);
    expect(energy.snn.macs).toBe(energy.snn.parts.stateMacs);
    // The curves carry the firing rate per layer and the penalty beside loss and accuracy.
    const svg = readFileSync(join(out, "training-curves.svg"), "utf8");
    for (const label of ["accuracy", "loss per sample", "train rate penalty", "layer 2 validation"])
      expect(svg).toContain(label);

    const test = loadFashionMnist("test", FIXTURE);
    const testSeq = imageSequences(test, config.dataset.encoding);
    const n = 40;
    const size = 28 * 28 * 4;
    const inputs = new Float32Array(n * size);
    for (let i = 0; i < n; i++) testSeq.fill(i, inputs, i * size);
    const tfPred = sequenceDecisions(result.plan, result.params, inputs, n);
    const net = createNetwork(model);
    const encoder = encoderForModel(model.spec);
    const { pixels } = modelInputs(test, model, n);
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const { scores } = net.run(pixels.subarray(i * 784, (i + 1) * 784), undefined, encoder);
      let arg = 0;
      for (let c = 1; c < 10; c++) if (scores[c] > scores[arg]) arg = c;
      if (arg === tfPred[i]) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(n - 1);
  }, 240_000);
});
