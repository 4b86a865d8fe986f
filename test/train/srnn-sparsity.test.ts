import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/train/backend.js";
import { parseAnyTrainConfig } from "../../src/train/config.js";
import type { SequenceTrainConfig } from "../../src/train/srnn/config.js";
import { initSequenceParams, planSequenceNetwork } from "../../src/train/srnn/recurrent-net.js";
import { sequenceShardGradients, sequenceStatFields } from "../../src/train/srnn/seq-gradients.js";
import { layerPenalty, ratePenaltySum } from "../../src/train/srnn/sparsity.js";
import { surrogateValue } from "../../src/train/srnn/surrogate.js";
import { trainSequence } from "../../src/train/srnn/train-sequence.js";
import { tempDir } from "../support/temp.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;

beforeAll(async () => {
  await initBackend("wasm");
});

function config(extra: Record<string, unknown>): SequenceTrainConfig {
  return parseAnyTrainConfig(
    JSON.stringify({
      name: "sparsity-test",
      kind: "srnn",
      dataset: { name: "fashion-mnist", validation: 0 },
      hidden: [1],
      readout: { tau: 4, start: 0 },
      training: { epochs: 1, batch_size: 1, seed: 5 },
      ...extra,
    }),
    "sparsity-test.json",
  ) as SequenceTrainConfig;
}

describe("firing-rate penalty", () => {
  it("sums λ·r (l1) and λ·(r − r*)² (target) per sample and layer, with their gradients", () => {
    // Two layers of 2 neurons, 2 steps, 2 samples: spikes [T, B, H].
    const s0 = [
      [
        [1, 0],
        [1, 1],
      ],
      [
        [1, 1],
        [0, 0],
      ],
    ];
    const s1 = [
      [
        [0, 0],
        [1, 0],
      ],
      [
        [0, 1],
        [0, 0],
      ],
    ];
    // Rates r_lb: layer 0: sample 0 3/4, sample 1 2/4; layer 1: sample 0 1/4, sample 1 1/4.
    const l1 = layerPenalty({ type: "l1", strength: [0.5, 2], target: 0 }, 2)!;
    const target = layerPenalty({ type: "target", strength: 3, target: [0.25, 0.5] }, 2)!;
    const wantL1 = 0.5 * (0.75 + 0.5) + 2 * (0.25 + 0.25);
    const wantTarget = 3 * ((0.75 - 0.25) ** 2 + (0.5 - 0.25) ** 2) + 3 * 2 * (0.25 - 0.5) ** 2;
    const [a, b] = [tf.tensor3d(s0), tf.tensor3d(s1)];
    expect(ratePenaltySum(l1, [a, b]).dataSync()[0]).toBeCloseTo(wantL1, 6);
    expect(ratePenaltySum(target, [a, b]).dataSync()[0]).toBeCloseTo(wantTarget, 6);
    // d/dS: l1 λ_l/(T·H_l) everywhere; target 2λ(r_lb − r*_l)/(T·H_l) for sample b's spikes.
    const [g0, g1] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      ratePenaltySum(l1, [x as tf.Tensor3D, y as tf.Tensor3D]),
    )([a, b]);
    for (const v of g0.dataSync()) expect(v).toBeCloseTo(0.5 / 4, 6);
    for (const v of g1.dataSync()) expect(v).toBeCloseTo(2 / 4, 6);
    const [t0] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      ratePenaltySum(target, [x as tf.Tensor3D, y as tf.Tensor3D]),
    )([a, b]);
    const tg = t0.arraySync() as number[][][];
    for (const t of [0, 1])
      for (const h of [0, 1]) {
        expect(tg[t][0][h]).toBeCloseTo((2 * 3 * (0.75 - 0.25)) / 4, 6);
        expect(tg[t][1][h]).toBeCloseTo((2 * 3 * (0.5 - 0.25)) / 4, 6);
      }
    tf.dispose([a, b, g0, g1, t0]);
  });

  it("adds the hand-computed gradient to the input weights of a one-neuron, two-step network", () => {
    // One ALIF neuron, state 0, input x at step 1 and none at step 2 (dt = 1 step, β, b0 of the
    // config, α = e^(−1/τ_m), ρ = e^(−1/τ_adp), w_rec the self-connection, c the bias):
    //   u1 = (1 − α)(w·x + c), v1 = u1 − b0, S1 = H(v1)
    //   θ2 = b0 + β(1 − ρ)S1, u2 = α·u1 + (1 − α)(w_rec·S1 + c) − θ2·S1, v2 = u2 − θ2
    // so with σ' the surrogate, dv1/dw_i = (1 − α)x_i and
    //   dv2/dw_i = α(1 − α)x_i + [(1 − α)w_rec − b0 − 2β(1 − ρ)S1 − β(1 − ρ)]·σ'(v1)·dv1/dw_i.
    // r = (S1 + S2)/2; l1: dP/dr = λ, target: dP/dr = 2λ(r − r*); dP/dw_i = dP/dr·(σ'(v1)dv1/dw_i
    // + σ'(v2)dv2/dw_i)/2, which must be the difference the penalty makes to the gradient.
    const x = new Float32Array([0.8, 0.3, 0, 0]);
    const labels = new Int32Array([1]);
    for (const sparsity of [
      { type: "l1", strength: 0.3 },
      { type: "target", strength: 0.7, target: 0.25 },
    ] as const) {
      const plain = config({});
      const penalised = config({ sparsity });
      const plan0 = planSequenceNetwork(plain, 2, 2, 2);
      const plan1 = planSequenceNetwork(penalised, 2, 2, 2);
      const params = initSequenceParams(plan0, 1);
      const role = (r: string) => plan0.params.findIndex((p) => p.role === r);
      params[role("w_in")].set([0.9, 0.6]);
      params[role("w_rec")].set([0.5]);
      params[role("bias")].set([0.2]);
      params[role("tau_m")].set([5]);
      params[role("tau_adp")].set([50]);
      const { b0, beta, surrogate } = plain.alif;
      const a = Math.exp(-1 / 5);
      const rho = Math.exp(-1 / 50);
      const u1 = (1 - a) * (0.9 * 0.8 + 0.6 * 0.3 + 0.2);
      const v1 = u1 - b0;
      const S1 = v1 > 0 ? 1 : 0;
      const theta2 = b0 + beta * (1 - rho) * S1;
      const u2 = a * u1 + (1 - a) * (0.5 * S1 + 0.2) - theta2 * S1;
      const v2 = u2 - theta2;
      const S2 = v2 > 0 ? 1 : 0;
      const r = (S1 + S2) / 2;
      const dPdr = sparsity.type === "l1" ? 0.3 : 2 * 0.7 * (r - 0.25);
      const g0 = sequenceShardGradients(plan0, params, x, labels, 1, 1, 1);
      const g1 = sequenceShardGradients(plan1, params, x, labels, 1, 1, 1);
      const w = role("w_in");
      [0.8, 0.3].forEach((xi, i) => {
        const dv1 = (1 - a) * xi;
        const dv2 =
          a * (1 - a) * xi +
          ((1 - a) * 0.5 - b0 - 2 * beta * (1 - rho) * S1 - beta * (1 - rho)) *
            surrogateValue(surrogate, v1) *
            dv1;
        const extra =
          (dPdr * (surrogateValue(surrogate, v1) * dv1 + surrogateValue(surrogate, v2) * dv2)) / 2;
        expect(Math.abs(extra)).toBeGreaterThan(1e-3);
        expect(g1.grads[w][i] - g0.grads[w][i]).toBeCloseTo(extra, 5);
      });
      // The reported loss is the cross-entropy alone; the penalty is its own stat.
      expect(g1.lossSum).toBeCloseTo(g0.lossSum, 6);
      const want = sparsity.type === "l1" ? 0.3 * r : 0.7 * (r - 0.25) ** 2;
      expect(g1.stats?.[2]).toBeCloseTo(want, 6);
      expect(sequenceStatFields(plan1, g1.stats ?? [])).toEqual({
        trainLayerFiringRates: [r],
        trainPenalty: expect.closeTo(want, 6) as number,
      });
    }
  });

  it("is configured per layer or for all layers, and refused where it cannot apply", () => {
    const c = config({ hidden: [4, 4], sparsity: { type: "l1", strength: [0.1, 0.2] } });
    expect(planSequenceNetwork(c, 3, 2, 2).penalty).toEqual({
      type: "l1",
      strength: [0.1, 0.2],
      target: [0, 0],
    });
    const wrong = config({ hidden: [4, 4], sparsity: { type: "l1", strength: [0.1, 0.2, 0.3] } });
    expect(() => planSequenceNetwork(wrong, 3, 2, 2)).toThrow(
      "sparsity.strength lists 3 values for 2 hidden layers",
    );
    const lstm = config({ kind: "lstm", sparsity: { type: "l1", strength: 1 } });
    expect(() => planSequenceNetwork(lstm, 3, 2, 2)).toThrow("a lstm network has none");
    expect(() => config({ sparsity: { type: "target", strength: 1, target: 1.5 } })).toThrow();
    expect(() => config({ sparsity: { type: "l2", strength: 1 } })).toThrow();
  });

  it("lowers the firing rate of a training run, which records it per layer and epoch", async () => {
    const run = async (sparsity: Record<string, unknown> | undefined) => {
      const lines: string[] = [];
      const cfg = config({
        dataset: { name: "fashion-mnist", validation: 100, limit: 400 },
        hidden: [16, 16],
        readout: { tau: 5, start: 14 },
        training: { epochs: 1, batch_size: 25, lr: 0.01, seed: 3 },
        ...(sparsity ? { sparsity } : {}),
      });
      const r = await trainSequence({
        config: cfg,
        out: tempDir("spikenode-sparsity-"),
        resume: false,
        threads: 1,
        backend: "wasm",
        dataDir: FIXTURE,
        progress: false,
        log: (l) => lines.push(l),
      });
      return { rec: r.history[0], log: lines.join("\n") };
    };
    const plain = await run(undefined);
    const sparse = await run({ type: "l1", strength: 20 });
    expect(plain.rec.trainPenalty).toBeUndefined();
    expect(plain.rec.trainLayerFiringRates).toHaveLength(2);
    expect(sparse.rec.trainPenalty).toBeGreaterThan(0);
    expect(sparse.rec.valPenalty).toBeGreaterThan(0);
    const layers = sparse.rec.valLayerFiringRates ?? [];
    expect(layers).toHaveLength(2);
    // Equal layer sizes: the network's rate is the mean of the layers'.
    expect((layers[0] + layers[1]) / 2).toBeCloseTo(sparse.rec.valFiringRate ?? -1, 6);
    expect(sparse.rec.valPenalty).toBeCloseTo(20 * (layers[0] + layers[1]), 3);
    expect(sparse.rec.valFiringRate).toBeLessThan(0.7 * (plain.rec.valFiringRate ?? 0));
    expect(sparse.log).toMatch(/rate penalty train \d\.\d{4} validation \d\.\d{4}/);
  }, 240_000);
});
