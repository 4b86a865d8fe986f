import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EarlyExitPolicy,
  ScoreDecoder,
  argmax,
  decoderForModel,
  outputSpikeHeight,
  softmax,
  topK,
  windowTicks,
} from "../../src/decode/index.js";
import { ModelSpec } from "../../src/snn/model-spec.js";

const LABELS = ["cat", "dog", "owl"];

describe("softmax", () => {
  it("matches hand-computed values", () => {
    const p = softmax([1, 2, 3]);
    const z = Math.E + Math.E ** 2 + Math.E ** 3;
    expect(p[0]).toBeCloseTo(Math.E / z, 12);
    expect(p[2]).toBeCloseTo(Math.E ** 3 / z, 12);
    // Temperature 2 halves the logits.
    const q = softmax([0, 2], 2);
    expect(q[1]).toBeCloseTo(Math.E / (1 + Math.E), 12);
  });

  it("is a distribution, shift-invariant and stable for huge logits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (logits, shift, temperature) => {
          const p = softmax(logits, temperature);
          const sum = p.reduce((a, b) => a + b, 0);
          expect(sum).toBeCloseTo(1, 9);
          const q = softmax(
            logits.map((v) => v + shift),
            temperature,
          );
          p.forEach((v, i) => expect(Math.abs(v - q[i])).toBeLessThan(1e-6));
          // The largest logit gets the largest probability (near-ties may share it).
          expect(p[argmax(logits)]).toBe(Math.max(...p));
        },
      ),
    );
  });

  it("handles infinities and NaN without NaN out", () => {
    expect(Array.from(softmax([Infinity, 1, Infinity]))).toEqual([0.5, 0, 0.5]);
    expect(Array.from(softmax([-Infinity, -Infinity]))).toEqual([0.5, 0.5]);
    expect(Array.from(softmax([Number.NaN, 0]))).toEqual([0, 1]);
    expect(argmax([Number.NaN, 3, 3])).toBe(1);
    expect(argmax([])).toBe(-1);
    expect(() => softmax([1], 0)).toThrow("temperature is 0");
  });
});

describe("class, confidence, top-k", () => {
  it("scales spike counts to the mean output per tick before the softmax", () => {
    // LIF, amplitude 0.063, dt 1 ms: one spike has height 63; 40 ticks in the window.
    const dec = new ScoreDecoder({ labels: LABELS, readout: "spike_count", spikeHeight: 63 });
    const d = dec.decode([4, 2, 0], 40);
    expect(d.logits).toEqual([6.3, 3.15, 0]);
    const z = Math.exp(6.3) + Math.exp(3.15) + 1;
    expect(d.classId).toBe(0);
    expect(d.className).toBe("cat");
    expect(d.confidence).toBeCloseTo(Math.exp(6.3) / z, 12);
    expect(d.topK.map((c) => c.className)).toEqual(["cat", "dog", "owl"]);
    expect(d.silent).toBe(false);
  });

  it("uses mean_output scores as logits, with temperature", () => {
    const dec = new ScoreDecoder({
      labels: LABELS,
      readout: "mean_output",
      temperature: 2,
      topK: 2,
    });
    const d = dec.decode([0, 4, 2], 17);
    expect(d.logits).toEqual([0, 4, 2]);
    const z = 1 + Math.E ** 2 + Math.E;
    expect(d.scores[1]).toBeCloseTo(Math.E ** 2 / z, 12);
    expect(d.topK).toEqual([
      { classId: 1, className: "dog", score: d.scores[1] },
      { classId: 2, className: "owl", score: d.scores[2] },
    ]);
  });

  it("flags a silent output (no spikes) and breaks the tie by index", () => {
    const dec = new ScoreDecoder({ labels: LABELS, readout: "spike_count", spikeHeight: 1000 });
    const d = dec.decode([0, 0, 0], 0);
    expect(d.silent).toBe(true);
    expect(d.classId).toBe(0);
    expect(d.confidence).toBeCloseTo(1 / 3, 12);
  });

  it("top-k orders by score, ties by class id", () => {
    expect(topK([0.2, 0.5, 0.2, 0.1], 3, ["a", "b", "c", "d"]).map((c) => c.classId)).toEqual([
      1, 0, 2,
    ]);
    expect(topK([1], 5, ["a"])).toHaveLength(1);
  });

  it("refuses a score count that does not match the labels", () => {
    const dec = new ScoreDecoder({ labels: LABELS, readout: "mean_output" });
    expect(() => dec.decode([1, 2], 1)).toThrow("2 scores for 3 labels");
  });
});

describe("decoder from a model file", () => {
  const model = (neuron: object, readout: object) =>
    ModelSpec.parse({
      format: "spikenode-model",
      version: 1,
      name: "t",
      dt: 0.002,
      weights: { file: "w.bin", bytes: 0 },
      input: { shape: [1, 1, 2], encoder: { type: "constant" } },
      presentation: { timesteps: 50 },
      layers: [{ type: "dense", weights: { offset: 0, shape: [3, 2] }, neuron }],
      readout,
      labels: LABELS,
      provenance: { method: "hand-written" },
    });

  it("takes the spike height from the last layer's neuron", () => {
    const lif = model(
      { model: "lif", tau_rc: 0.02, tau_ref: 0.002, amplitude: 0.1 },
      { type: "spike_count" },
    );
    expect(outputSpikeHeight(lif)).toBeCloseTo(50, 12);
    const alif = model(
      {
        model: "alif",
        tau_m: { offset: 0, shape: [3] },
        tau_adp: { offset: 0, shape: [3] },
        b0: 0.1,
        beta: 1.8,
        amplitude: 2,
      },
      { type: "spike_count" },
    );
    expect(outputSpikeHeight(alif)).toBe(2);
    const dec = decoderForModel(lif, { topK: 1 });
    expect(dec.decode([10, 0, 0], 50).logits[0]).toBeCloseTo(10, 12);
    expect(dec.k).toBe(1);
  });

  it("counts the ticks of the readout window", () => {
    const m = model({ model: "linear" }, { type: "mean_output", window: { start: 10, end: 40 } });
    expect(windowTicks(m, 5)).toBe(0);
    expect(windowTicks(m, 25)).toBe(15);
    expect(windowTicks(m, 50)).toBe(30);
  });
});

describe("early exit", () => {
  /** Feed cumulative readouts; return the tick count at which the policy stopped. */
  function run(policy: EarlyExitPolicy, sequence: number[][]): number | undefined {
    for (const scores of sequence) if (policy.update(scores)) return policy.stoppedAt;
    return undefined;
  }

  it("stops once the leader has held the margin for k ticks", () => {
    const p = new EarlyExitPolicy({ margin: 2, holdTicks: 3 });
    const seq = [
      [0, 0, 0], // 1: no leader
      [1, 0, 0], // 2: lead 1 < margin
      [2, 0, 0], // 3: lead 2, held 1
      [3, 1, 0], // 4: held 2
      [4, 1, 0], // 5: held 3 → stop
      [5, 1, 0],
    ];
    expect(run(p, seq)).toBe(5);
    expect(p.timestepsUsed).toBe(5);
    expect(p.leader).toBe(0);
  });

  it("restarts the count when the leader changes or the margin is lost", () => {
    const p = new EarlyExitPolicy({ margin: 1, holdTicks: 2 });
    const seq = [
      [1, 0], // 1: 0 leads, held 1
      [1, 2], // 2: 1 leads, held 1
      [3, 2], // 3: 0 leads again, held 1
      [3, 3], // 4: tie, held 0
      [4, 3], // 5: held 1
      [5, 3], // 6: held 2 → stop
    ];
    expect(run(p, seq)).toBe(6);
  });

  it("never stops before minTicks", () => {
    const p = new EarlyExitPolicy({ minTicks: 4, holdTicks: 1 });
    expect(
      run(p, [
        [1, 0],
        [2, 0],
        [3, 0],
        [4, 0],
        [5, 0],
      ]),
    ).toBe(4);
  });

  it("a margin of 0 still needs a strict lead; ties never stop it", () => {
    const p = new EarlyExitPolicy({ margin: 0, holdTicks: 1 });
    expect(
      run(p, [
        [0, 0],
        [2, 2],
        [3, 3],
      ]),
    ).toBeUndefined();
    expect(p.timestepsUsed).toBe(3);
    expect(p.stoppedAt).toBeUndefined();
  });

  it("stays stopped until reset, then starts over", () => {
    const p = new EarlyExitPolicy({ holdTicks: 1 });
    expect(p.update([1, 0])).toBe(true);
    expect(p.update([0, 9])).toBe(true);
    expect(p.timestepsUsed).toBe(1);
    p.reset();
    expect(p.update([0, 0])).toBe(false);
    expect(p.ticks).toBe(1);
  });

  it("refuses nonsense settings", () => {
    expect(() => new EarlyExitPolicy({ holdTicks: 0 })).toThrow("holdTicks is 0");
    expect(() => new EarlyExitPolicy({ margin: -1 })).toThrow("margin is -1");
    expect(() => new EarlyExitPolicy({ minTicks: 1.5 })).toThrow("minTicks is 1.5");
  });

  it("with any sequence, stops exactly when k holding ticks end at or after minTicks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 10 }),
        (increments, margin, k, minTicks) => {
          const p = new EarlyExitPolicy({ margin, holdTicks: k, minTicks });
          const sums = [0, 0, 0];
          let leader = -1;
          let held = 0;
          for (let t = 1; t <= increments.length; t++) {
            increments[t - 1].forEach((v, i) => (sums[i] += v));
            const sorted = [...sums].sort((a, b) => b - a);
            const best = sums.indexOf(sorted[0]);
            const ok = sorted[0] - sorted[1] > 0 && sorted[0] - sorted[1] >= margin;
            held = ok ? (best === leader ? held + 1 : 1) : 0;
            leader = ok ? best : -1;
            const stop = held >= k && t >= minTicks;
            expect(p.update(sums)).toBe(stop);
            if (stop) {
              expect(p.timestepsUsed).toBe(t);
              return;
            }
          }
        },
      ),
    );
  });
});
