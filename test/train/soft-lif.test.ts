import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { lifRate, softLif, type SoftLifParams } from "../../src/train/soft-lif.js";

const P: SoftLifParams = {
  tau_rc: 0.022,
  tau_ref: 0.002,
  amplitude: 0.063,
  gain: 1,
  gamma: 0.02,
  sigma: 10,
};

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

describe("soft-LIF", () => {
  it("approaches the analytic LIF rate (times amplitude) as γ → 0", () => {
    const xs = [-1, -0.2, 0.05, 0.1, 0.3, 1, 2, 5, 10];
    let previousErr = Infinity;
    for (const gamma of [0.1, 0.02, 0.004, 0.0008]) {
      const out = values(softLif(tf.tensor1d(xs), { ...P, gamma }));
      let err = 0;
      xs.forEach((x, i) => {
        const exact = P.amplitude * lifRate(P.gain * x + 1, P.tau_rc, P.tau_ref);
        err = Math.max(err, Math.abs(out[i] - exact));
      });
      expect(err).toBeLessThan(previousErr);
      previousErr = err;
    }
    expect(previousErr).toBeLessThan(0.02);
    // Well above threshold the curves agree closely even at the training γ.
    const out = values(softLif(tf.tensor1d([1, 5]), P));
    expect(out[0]).toBeCloseTo(P.amplitude * lifRate(2, P.tau_rc, P.tau_ref), 2);
    expect(out[1]).toBeCloseTo(P.amplitude * lifRate(6, P.tau_rc, P.tau_ref), 2);
  });

  it("has a finite, bounded gradient everywhere, matching finite differences", () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(softLif(x, P)));
    const xs = [-1e6, -100, -10, -1, -0.1, -0.01, -1e-4, 0, 1e-4, 0.01, 0.1, 1, 10, 100, 1e6];
    const grads = values(g(tf.tensor1d(xs)));
    const bound = (P.tau_rc * P.gain * P.amplitude) / (P.tau_ref * P.tau_ref * P.gamma);
    grads.forEach((d) => {
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(bound);
    });
    fc.assert(
      fc.property(fc.double({ min: -3, max: 10, noNaN: true }), (x) => {
        const h = 1e-3;
        const f = (v: number) =>
          P.amplitude /
          (P.tau_ref + P.tau_rc * Math.log1p(1 / (P.gamma * Math.log1p(Math.exp(v / P.gamma)))));
        const numeric = (f(x + h) - f(x - h)) / (2 * h);
        const analytic = values(g(tf.tensor1d([x])))[0];
        return (
          Number.isFinite(analytic) &&
          Math.abs(analytic - numeric) <= 1e-2 * (1 + Math.abs(numeric))
        );
      }),
      { numRuns: 60 },
    );
  });

  it("adds noise in training, only where the neuron would fire, and none at inference", () => {
    const x = tf.tensor1d(Array.from({ length: 400 }, (_, i) => (i < 200 ? -0.5 : 2)));
    const clean = values(softLif(x, P));
    const again = values(softLif(x, P));
    expect(Array.from(again)).toEqual(Array.from(clean));
    const noisy = values(softLif(x, P, 123));
    let changedBelow = 0;
    let sumSq = 0;
    for (let i = 0; i < 400; i++) {
      if (i < 200 && noisy[i] !== clean[i]) changedBelow++;
      if (i >= 200) sumSq += (noisy[i] - clean[i]) ** 2;
      expect(noisy[i]).toBeGreaterThanOrEqual(0);
    }
    expect(changedBelow).toBe(0);
    // σ·amplitude = 0.63: the noise on firing neurons has about that spread.
    const sd = Math.sqrt(sumSq / 200);
    expect(sd).toBeGreaterThan(0.4);
    expect(sd).toBeLessThan(0.9);
    // Seeded: the same seed gives the same noise.
    expect(Array.from(values(softLif(x, P, 123)))).toEqual(Array.from(noisy));
  });
  it("count_window: in training, whole spikes in the window, unbiased on average; the gradient passes through", () => {
    const W = 0.03;
    const p = { ...P, sigma: 0, count_window: W };
    const perSpike = p.amplitude / W;
    const x = tf.tensor1d(Array.from({ length: 4000 }, (_, i) => (i < 2000 ? 0.7 : 3)));
    const clean = values(softLif(x, p));
    const counted = values(softLif(x, p, 99));
    const mean = [0, 0];
    for (let i = 0; i < 4000; i++) {
      const k = counted[i] / perSpike;
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-3);
      // floor(r·W + u): the count is one of the two whole numbers around r·W.
      const rw = clean[i] / perSpike;
      expect(k).toBeGreaterThanOrEqual(Math.floor(rw) - 1e-3);
      expect(k).toBeLessThanOrEqual(Math.ceil(rw) + 1e-3);
      mean[i < 2000 ? 0 : 1] += counted[i] / 2000;
    }
    expect(Math.abs(mean[0] - clean[0]) / clean[0]).toBeLessThan(0.05);
    expect(Math.abs(mean[1] - clean[3000]) / clean[3000]).toBeLessThan(0.05);
    // Inference is the rate itself; the straight-through gradient equals the clean one.
    expect(Array.from(values(softLif(x, p)))).toEqual(Array.from(clean));
    const g = (seed?: number) => values(tf.grad((t: tf.Tensor) => tf.sum(softLif(t, p, seed)))(x));
    expect(Array.from(g(99))).toEqual(Array.from(g()));
  });
});
