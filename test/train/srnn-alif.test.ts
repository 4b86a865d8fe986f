import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/create-network.js";
import { parseModel } from "../../src/snn/model.js";
import type { ModelSpecInput } from "../../src/snn/model-spec.js";
import { initBackend } from "../../src/train/backend.js";
import { parseAnyTrainConfig } from "../../src/train/config.js";
import { Rng } from "../../src/train/rng.js";
import type { SequenceTrainConfig, SurrogateConfig } from "../../src/train/srnn/config.js";
import { buildSrnnModel } from "../../src/train/srnn/export-srnn.js";
import {
  forwardSequence,
  initSequenceParams,
  orthogonal,
  planSequenceNetwork,
} from "../../src/train/srnn/recurrent-net.js";
import { sequenceShardGradients } from "../../src/train/srnn/seq-gradients.js";
import {
  gaussian,
  spikeFunction,
  surrogateIntegral,
  surrogateTensor,
  surrogateValue,
} from "../../src/train/srnn/surrogate.js";

beforeAll(async () => {
  await initBackend("wasm");
});

function srnnConfig(extra: Record<string, unknown> = {}): SequenceTrainConfig {
  return parseAnyTrainConfig(
    JSON.stringify({
      name: "alif-test",
      kind: "srnn",
      dataset: { name: "fashion-mnist", validation: 0 },
      hidden: [16, 12],
      readout: { tau: 4, start: 5 },
      training: { epochs: 1, batch_size: 4, seed: 5 },
      ...extra,
    }),
    "alif-test.json",
  ) as SequenceTrainConfig;
}

const MG: SurrogateConfig = { type: "multi_gaussian", h: 0.15, s: 6, sigma: 0.5, gamma: 0.5 };
const G1: SurrogateConfig = { type: "gaussian", sigma: 0.5, gamma: 0.5 };

describe("surrogate gradient", () => {
  it("matches Yin's multi-Gaussian and Gaussian formulas point by point", () => {
    const xs = [-3, -1.2, -0.5, -0.1, 0, 0.05, 0.5, 0.9, 2.5];
    for (const x of xs) {
      const g = (mu: number, s: number) =>
        Math.exp(-((x - mu) ** 2) / (2 * s * s)) / (Math.sqrt(2 * Math.PI) * s);
      const mg = 0.5 * (1.15 * g(0, 0.5) - 0.15 * g(0.5, 3) - 0.15 * g(-0.5, 3));
      expect(surrogateValue(MG, x)).toBeCloseTo(mg, 12);
      expect(surrogateValue(G1, x)).toBeCloseTo(0.5 * g(0, 0.5), 12);
      expect(gaussian(x, 0, 0.5)).toBeCloseTo(g(0, 0.5), 12);
    }
    // The tensor form (what backprop uses) equals the plain formula.
    const t = tf.tensor1d(xs);
    const mgT = surrogateTensor(MG, t).dataSync();
    const gT = surrogateTensor(G1, t).dataSync();
    xs.forEach((x, i) => {
      expect(mgT[i]).toBeCloseTo(surrogateValue(MG, x), 6);
      expect(gT[i]).toBeCloseTo(surrogateValue(G1, x), 6);
    });
    t.dispose();
  });

  it("integrates to γ(1 − h) (multi-Gaussian) and γ (Gaussian)", () => {
    for (const cfg of [MG, G1]) {
      // Simpson's rule over ±40 (the side Gaussians have σ = 3).
      const a = -40;
      const b = 40;
      const n = 8000;
      const h = (b - a) / n;
      let sum = surrogateValue(cfg, a) + surrogateValue(cfg, b);
      for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * surrogateValue(cfg, a + i * h);
      const integral = (sum * h) / 3;
      expect(integral).toBeCloseTo(surrogateIntegral(cfg), 8);
    }
    expect(surrogateIntegral(MG)).toBeCloseTo(0.425, 12);
  });

  it("is the gradient of the Heaviside spike in TF.js, which spikes only above 0", () => {
    const x = tf.tensor1d([-0.7, -1e-6, 0, 1e-6, 0.3]);
    const spike = spikeFunction(MG);
    expect(Array.from(spike(x).dataSync())).toEqual([0, 0, 0, 1, 1]);
    const grad = tf
      .grad((v: tf.Tensor) => tf.sum(spike(v)))(x)
      .dataSync();
    [-0.7, -1e-6, 0, 1e-6, 0.3].forEach((v, i) =>
      expect(grad[i]).toBeCloseTo(surrogateValue(MG, v), 6),
    );
    x.dispose();
  });
});

describe("ALIF layer: TF.js against the engine", () => {
  it("orthogonal init is orthogonal", () => {
    const n = 12;
    const q = orthogonal(n, new Rng(3));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += q[i * n + k] * q[j * n + k];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
      }
  });

  it("gives the same spikes, tick by tick, in every layer, on both engines", () => {
    // float32 (TF.js) against float64 (engine) can only flip a spike whose u − θ lies within
    // rounding error of 0; the test first checks no decision is that close (margin > 1e-4,
    // ~100× the float32 error of these magnitudes) so equality is what must follow.
    const config = srnnConfig();
    const T = 30;
    const nIn = 8;
    const B = 3;
    const plan = planSequenceNetwork(config, T, nIn, 5);
    const params = initSequenceParams(plan, 7);
    const rng = new Rng(13);
    // Some biases so both layers fire at a moderate rate; τ spread so adaptation matters.
    params.forEach((p, i) => {
      if (plan.params[i].role === "bias")
        for (let k = 0; k < p.length; k++) p[k] = 0.2 * rng.next();
      if (plan.params[i].role === "w_in") for (let k = 0; k < p.length; k++) p[k] *= 2;
    });
    const x = new Float32Array(B * T * nIn);
    for (let i = 0; i < x.length; i++) x[i] = rng.next();

    const tfOut = tf.tidy(() => {
      const out = forwardSequence(
        plan,
        params.map((p, i) => tf.tensor(p, plan.params[i].shape)),
        tf.tensor3d(x, [B, T, nIn]),
        true,
      );
      return {
        hidden: out.hidden.map((h) => h.arraySync() as number[][][]),
        margins: (out.margins ?? []).map((m) => Array.from(m.abs().min().dataSync())[0]),
        readout: out.readout.arraySync() as number[][][],
      };
    });
    for (const m of tfOut.margins) expect(m).toBeGreaterThan(1e-4);

    const model = buildSrnnModel({
      config,
      plan,
      params,
      labels: ["a", "b", "c", "d", "e"],
      // A T-row image through the rows encoder: the network receives one row of nIn per tick.
      imageShape: [1, T, nIn],
      history: [],
    });
    // Sub-networks ending at each hidden layer expose that layer's spikes as `network.spikes`.
    const upTo = (n: number) => {
      const json = JSON.parse(JSON.stringify(model.json)) as ModelSpecInput & {
        layers: unknown[];
      };
      json.layers = json.layers.slice(0, n);
      json.readout = { type: "spike_count" };
      json.labels = Array.from({ length: plan.hidden[n - 1] }, (_, i) => `n${i}`);
      return parseModel(json, model.weights, `layers 1..${n}`);
    };
    const full = parseModel(JSON.parse(JSON.stringify(model.json)), model.weights, "full");
    let total = 0;
    for (const engine of ["reference", "fast"] as const) {
      const nets = [upTo(1), upTo(2)].map((m) => createNetwork(m, { engine }));
      const fullNet = createNetwork(full, { engine });
      for (let b = 0; b < B; b++) {
        for (const net of [...nets, fullNet]) net.reset();
        for (let t = 0; t < T; t++) {
          const input = x.subarray((b * T + t) * nIn, (b * T + t + 1) * nIn);
          nets.forEach((net, l) => {
            net.tick(input);
            const want = tfOut.hidden[l][t][b];
            expect(Array.from(net.spikes)).toEqual(want);
            total += want.reduce((s, v) => s + v, 0);
          });
          fullNet.tick(input);
          const u = Array.from(fullNet.membrane);
          u.forEach((v, c) => expect(v).toBeCloseTo(tfOut.readout[t][b][c], 4));
        }
      }
    }
    // Not a vacuous comparison: both layers spike, but not always.
    expect(total).toBeGreaterThan(100);
    expect(total).toBeLessThan(0.8 * 2 * B * T * (16 + 12));
  });
});

describe("learned time constants", () => {
  it("receive gradients and change in a few training steps, each with its own rate", () => {
    const config = srnnConfig();
    const T = 20;
    const nIn = 6;
    const B = 8;
    const plan = planSequenceNetwork(config, T, nIn, 3);
    const params = initSequenceParams(plan, 1);
    const rng = new Rng(2);
    const x = new Float32Array(B * T * nIn);
    for (let i = 0; i < x.length; i++) x[i] = rng.next();
    const labels = Int32Array.from({ length: B }, (_, i) => i % 3);
    const r = sequenceShardGradients(plan, params, x, labels, B, B, 1);
    const tauIdx = plan.params.flatMap((p, i) =>
      p.role === "tau_m" || p.role === "tau_adp" ? [i] : [],
    );
    expect(tauIdx).toHaveLength(4);
    for (const i of tauIdx) {
      const g = r.grads[i];
      const nonzero = g.filter((v) => v !== 0 && Number.isFinite(v)).length;
      expect(nonzero, plan.params[i].name).toBeGreaterThan(g.length / 2);
    }
    expect(r.stats?.[1]).toBe(B * T * 28);
    expect(r.stats?.[0]).toBeGreaterThan(0);
  });
});
