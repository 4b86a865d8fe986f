import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/train/backend.js";
import { parseAnyTrainConfig } from "../../src/train/config.js";
import type { SequenceTrainConfig } from "../../src/train/srnn/config.js";
import { planSequenceNetwork, sequenceLoss } from "../../src/train/srnn/recurrent-net.js";
import { sequenceShardGradients } from "../../src/train/srnn/seq-gradients.js";
import { initSequenceParams } from "../../src/train/srnn/recurrent-net.js";

const config = parseAnyTrainConfig(
  JSON.stringify({
    name: "step-labels",
    kind: "srnn",
    dataset: { name: "fashion-mnist", validation: 0 },
    hidden: [8],
    readout: { tau: 5, start: 0 },
    training: { epochs: 1, batch_size: 2 },
  }),
  "step-labels.json",
) as SequenceTrainConfig;

const T = 6;
const B = 2;
const C = 4;

beforeAll(async () => {
  await initBackend("wasm");
});

/** Σ over samples of the mean over scored steps of −log softmax(readout)[label], by hand. */
function handLoss(readout: Float32Array, labels: Int32Array): number {
  let sum = 0;
  for (let b = 0; b < B; b++) {
    let scored = 0;
    let s = 0;
    for (let t = 0; t < T; t++) {
      const y = labels[b * T + t];
      if (y < 0) continue;
      const row = Array.from({ length: C }, (_, c) => readout[(t * B + b) * C + c]);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      s += lse - row[y];
      scored++;
    }
    sum += s / Math.max(scored, 1);
  }
  return sum;
}

describe("per-step labels (labelMode step, −1 = not scored)", () => {
  const plan = planSequenceNetwork(config, T, 3, C);
  const labels = Int32Array.from([-1, -1, 2, 2, 2, 2, -1, 3, 3, 1, 1, 0]);
  const values = Float32Array.from({ length: T * B * C }, (_, i) => Math.sin(1.7 * i) * 2);

  it("takes int32 labels with −1 (oneHot needs int32) and matches the hand-computed loss", () => {
    const { loss, correct } = tf.tidy(() => {
      const r = sequenceLoss(
        plan,
        tf.tensor3d(values, [T, B, C]),
        tf.tensor2d(labels, [B, T], "int32"),
      );
      return { loss: r.lossSum.dataSync()[0], correct: r.correct.dataSync()[0] };
    });
    expect(loss).toBeCloseTo(handLoss(values, labels), 4);
    // Hits: each scored step's argmax, as a fraction of the sample's scored steps.
    let want = 0;
    for (let b = 0; b < B; b++) {
      let hits = 0;
      let n = 0;
      for (let t = 0; t < T; t++) {
        const y = labels[b * T + t];
        if (y < 0) continue;
        const row = Array.from({ length: C }, (_, c) => values[(t * B + b) * C + c]);
        if (row.indexOf(Math.max(...row)) === y) hits++;
        n++;
      }
      want += hits / n;
    }
    expect(correct).toBeCloseTo(want, 5);
  });

  it("unscored steps add nothing: changing their readout changes neither loss nor gradient", () => {
    const run = (v: Float32Array) =>
      tf.tidy(() => {
        const x = tf.tensor3d(v, [T, B, C]);
        const y = tf.tensor2d(labels, [B, T], "int32");
        const g = tf.valueAndGrad(
          (r: tf.Tensor) => sequenceLoss(plan, r as tf.Tensor3D, y).lossSum,
        );
        const { value, grad } = g(x);
        return { loss: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
      });
    const a = run(values);
    const changed = values.slice();
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        if (labels[b * T + t] < 0)
          for (let c = 0; c < C; c++) changed[(t * B + b) * C + c] += 10 * (c + 1);
    const b = run(changed);
    expect(b.loss).toBeCloseTo(a.loss, 5);
    for (let bb = 0; bb < B; bb++)
      for (let t = 0; t < T; t++) {
        const scored = labels[bb * T + t] >= 0;
        for (let c = 0; c < C; c++) {
          const i = (t * B + bb) * C + c;
          if (!scored) expect(Math.abs(a.grad[i])).toBe(0);
          else expect(Math.abs(a.grad[i])).toBeGreaterThan(0);
          expect(b.grad[i]).toBeCloseTo(a.grad[i], 5);
        }
      }
  });

  it("a whole shard of per-step labels trains (gradients finite, loss positive)", () => {
    const params = initSequenceParams(plan, 1);
    const inputs = Float32Array.from({ length: B * T * 3 }, (_, i) => (i % 5) / 4);
    const r = sequenceShardGradients(plan, params, inputs, labels, B, B, T);
    expect(r.lossSum).toBeGreaterThan(0);
    expect(r.grads.every((g) => g.every(Number.isFinite))).toBe(true);
    expect(r.correct).toBeGreaterThanOrEqual(0);
    expect(r.correct).toBeLessThanOrEqual(B);
  });
});
