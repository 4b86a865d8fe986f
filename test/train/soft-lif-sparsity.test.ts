import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/train/backend.js";
import { parseTrainConfig, type TrainConfig } from "../../src/train/config.js";
import { predictLogits, shardGradients } from "../../src/train/gradients.js";
import { initParams, planNetwork } from "../../src/train/net.js";
import { layerPenalty, penaltyFromRates } from "../../src/train/rate-penalty.js";
import { softLif } from "../../src/train/soft-lif.js";
import { trainRateFields } from "../../src/train/train-soft-lif.js";

beforeAll(async () => {
  await initBackend("wasm");
});

/** 2×2 images → soft-LIF dense 3 → linear dense 2. */
function config(sparsity?: Record<string, unknown>): TrainConfig {
  return parseTrainConfig(
    JSON.stringify({
      name: "soft-lif-sparsity",
      dataset: { name: "fashion-mnist", validation: 0 },
      neuron: { sigma: 0 },
      layers: [
        { type: "dense", units: 3 },
        { type: "dense", units: 2, activation: "linear" },
      ],
      training: { epochs: 1 },
      ...(sparsity ? { sparsity } : {}),
    }),
    "soft-lif-sparsity.json",
  );
}

const pixels = new Float32Array([0.9, 0.1, 0.5, 0.7, 0.2, 0.8, 0.6, 0.3]);
const labels = new Int32Array([1, 0]);

describe("activity penalty in soft-LIF training", () => {
  it("charges λ·max(0, r − r*)² only above the target (type above), per sample and layer", () => {
    const p = layerPenalty({ type: "above", strength: [2, 1], target: [0.1, 0.5] }, 2)!;
    const r0 = tf.tensor1d([0.3, 0.05]); // layer 0: 0.2 above, and below
    const r1 = tf.tensor1d([0.5, 0.9]); // layer 1: at, and 0.4 above
    const want = 2 * 0.2 ** 2 + 1 * 0.4 ** 2;
    expect(penaltyFromRates(p, [r0, r1]).dataSync()[0]).toBeCloseTo(want, 6);
  });

  it("adds the penalty's gradient through the soft-LIF rate, and reports the rates it saw", () => {
    const lambda = 5;
    const plain = planNetwork(config(), [1, 2, 2]);
    const penalised = planNetwork(config({ type: "l1", strength: lambda }), [1, 2, 2]);
    // Strong weights so the soft-LIF layer fires well above threshold.
    const params = initParams(plain, 3).map((p) => p.map((v) => v * 8));
    const a = shardGradients(plain, params, pixels, labels, 2, 2, 1);
    const b = shardGradients(penalised, params, pixels, labels, 2, 2, 1);
    // The expected difference: the gradient of λ/2 · Σ_b mean_i r_bi·dt/amplitude, where r is
    // the first layer's soft-LIF output, computed here without the trainer's code.
    const dt = penalised.dt;
    const amp = penalised.neuron.amplitude;
    const W = tf.tensor2d(params[0], [4, 3]);
    const bias = tf.tensor1d(params[1]);
    const x = tf.tensor2d(pixels, [2, 4]);
    const g = tf.grad((w: tf.Tensor) =>
      tf.mul(
        tf.sum(tf.mean(softLif(tf.add(tf.matMul(x, w as tf.Tensor2D), bias), penalised.neuron), 1)),
        (lambda * dt) / amp / 2,
      ),
    )(W);
    const want = g.dataSync();
    // Not a vacuous comparison: the penalty moves the weights' gradient.
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(1e-3);
    for (let k = 0; k < want.length; k++)
      expect(b.grads[0][k] - a.grads[0][k]).toBeCloseTo(want[k], 6);
    // The rates: [Σ spikes per tick, neuron-ticks, Σ penalty, per-layer Σ rate].
    const r = tf
      .mean(softLif(tf.add(tf.matMul(x, W), bias), penalised.neuron), 1)
      .mul(dt / amp)
      .dataSync();
    const meanRate = (r[0] + r[1]) / 2;
    expect(b.stats![1]).toBe(2 * 3);
    expect(b.stats![0] / b.stats![1]).toBeCloseTo(meanRate, 7);
    expect(b.stats![2]).toBeCloseTo(lambda * (r[0] + r[1]), 6);
    // The cross-entropy is reported without the penalty, so train and validation loss compare.
    expect(b.lossSum).toBeCloseTo(a.lossSum, 5);
    const fields = trainRateFields(penalised, b.stats!);
    expect(fields.trainLayerFiringRates![0]).toBeCloseTo(meanRate, 7);
    expect(fields.trainPenalty).toBeCloseTo((lambda * (r[0] + r[1])) / 2, 6);
    expect(trainRateFields(plain, a.stats!).trainPenalty).toBeUndefined();
    // Inference collects the same rates (no noise configured here).
    const sums = new Float64Array(1);
    predictLogits(penalised, params, pixels, 2, 256, sums);
    expect(sums[0] / 2).toBeCloseTo(meanRate, 7);
  });

  it("refuses a per-layer list of the wrong length, naming the field", () => {
    expect(() => planNetwork(config({ type: "l1", strength: [1, 2] }), [1, 2, 2])).toThrow(
      /sparsity\.strength lists 2 values for 1 soft-LIF layers/,
    );
  });
});
