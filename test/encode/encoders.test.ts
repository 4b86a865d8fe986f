import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConstantEncoder,
  DeltaEncoder,
  PoissonEncoder,
  Xoshiro128,
  createEncoder,
  encoderForModel,
} from "../../src/encode/index.js";
import { ModelSpec } from "../../src/snn/model-spec.js";

const pixels = (n: number) =>
  fc.float32Array({ minLength: n, maxLength: n, min: 0, max: 1, noNaN: true });

describe("constant current", () => {
  it("J = gain·x + bias is affine: J(a·x + y) − bias = a·(J(x) − bias) + (J(y) − bias)", () => {
    fc.assert(
      fc.property(
        pixels(16),
        pixels(16),
        fc.double({ min: -4, max: 4, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (x, y, a, gain, bias) => {
          const enc = new ConstantEncoder(16, gain, bias);
          const J = (v: ArrayLike<number>) => {
            enc.present(v);
            return Array.from(enc.tick(), (j) => j - bias);
          };
          const jx = J(x);
          const jy = J(y);
          const jxy = J(Array.from(x, (v, i) => a * v + y[i]));
          jxy.forEach((v, i) => expect(v).toBeCloseTo(a * jx[i] + jy[i], 3));
        },
      ),
    );
  });

  it("computes gain·x + bias in float64, exactly as network.run does", () => {
    fc.assert(
      fc.property(pixels(8), fc.double({ min: -10, max: 10, noNaN: true }), (x, gain) => {
        const enc = new ConstantEncoder(8, gain, 0.1);
        enc.present(x);
        expect(Array.from(enc.tick())).toEqual(Array.from(x, (v) => gain * v + 0.1));
      }),
    );
  });

  it("holds the same buffer for every tick and says so", () => {
    const enc = new ConstantEncoder(3, 2, 1);
    enc.present([0, 0.5, 1]);
    const first = enc.tick();
    expect(Array.from(first)).toEqual([1, 2, 3]);
    expect(enc.tick()).toBe(first);
    expect(enc.constant).toBe(true);
  });

  it("refuses frames of the wrong size", () => {
    expect(() => new ConstantEncoder(4).present([1, 2])).toThrow(
      "frame has 2 values, the model input has 4",
    );
  });
});

describe("Poisson rate coding", () => {
  it("fires at the pixel's rate on average", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(100, 400, 1000, 3000),
        fc.integer({ min: 0, max: 1000 }),
        (x, maxRate, seed) => {
          const dt = 0.001;
          const n = 64;
          const ticks = 200;
          const enc = new PoissonEncoder(n, dt, maxRate, 2, seed);
          enc.present(new Array(n).fill(x));
          let sum = 0;
          for (let t = 0; t < ticks; t++) for (const v of enc.tick()) sum += v;
          // Spikes of amplitude/dt: summed current × dt / amplitude = spike count.
          const spikes = (sum * dt) / 2;
          const expected = x * maxRate * dt * ticks * n;
          // Poisson: variance = mean; allow 5 standard deviations.
          expect(Math.abs(spikes - expected)).toBeLessThanOrEqual(5 * Math.sqrt(expected) + 1e-9);
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });

  it("emits whole spikes of height amplitude/dt, several per tick when rate·dt is large", () => {
    const enc = new PoissonEncoder(200, 0.001, 5000, 0.5, 3);
    enc.present(new Array(200).fill(1));
    const counts = new Set<number>();
    for (let t = 0; t < 20; t++) for (const v of enc.tick()) counts.add(v / 500);
    for (const k of counts) expect(Number.isInteger(k)).toBe(true);
    expect(Math.max(...counts)).toBeGreaterThan(1);
  });

  it("is silent for dark, negative and NaN pixels", () => {
    const enc = new PoissonEncoder(3, 0.001, 1000);
    enc.present([0, -1, Number.NaN]);
    for (let t = 0; t < 100; t++) expect(Array.from(enc.tick())).toEqual([0, 0, 0]);
  });

  it("same seed, same spikes; another seed, other spikes; reset replays", () => {
    fc.assert(
      fc.property(pixels(32), fc.integer({ min: 0, max: 2 ** 31 }), (x, seed) => {
        const run = (enc: PoissonEncoder) => {
          enc.present(x);
          const out: number[] = [];
          for (let t = 0; t < 30; t++) out.push(...enc.tick());
          return out;
        };
        const a = new PoissonEncoder(32, 0.001, 800, 1, seed);
        const b = new PoissonEncoder(32, 0.001, 800, 1, seed);
        const first = run(a);
        expect(run(b)).toEqual(first);
        a.reset();
        expect(run(a)).toEqual(first);
      }),
      { numRuns: 50 },
    );
    const bright = new Array(32).fill(1);
    const s1 = new PoissonEncoder(32, 0.001, 500, 1, 1);
    const s2 = new PoissonEncoder(32, 0.001, 500, 1, 2);
    s1.present(bright);
    s2.present(bright);
    const t1: number[] = [];
    const t2: number[] = [];
    for (let t = 0; t < 30; t++) {
      t1.push(...s1.tick());
      t2.push(...s2.tick());
    }
    expect(t1).not.toEqual(t2);
  });

  it("draws uniform numbers", () => {
    const rng = new Xoshiro128(42);
    const bins = new Array(10).fill(0);
    let low = 1;
    let high = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = rng.next();
      low = Math.min(low, u);
      high = Math.max(high, u);
      bins[Math.floor(u * 10)]++;
    }
    expect(low).toBeGreaterThanOrEqual(0);
    expect(high).toBeLessThan(1);
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });
});

describe("delta (event camera) encoding", () => {
  const dt = 0.001;

  it("emits nothing for a static scene", () => {
    fc.assert(
      fc.property(pixels(20), fc.double({ min: 0.01, max: 2, noNaN: true }), (x, threshold) => {
        const enc = new DeltaEncoder(20, dt, threshold);
        for (let frame = 0; frame < 4; frame++) {
          enc.present(x);
          for (let t = 0; t < 3; t++) expect(enc.tick().every((v) => v === 0)).toBe(true);
          expect(enc.onEvents + enc.offEvents).toBe(0);
        }
      }),
    );
  });

  it("brightening gives ON (positive) events, darkening OFF (negative), counted in thresholds", () => {
    fc.assert(
      fc.property(
        pixels(12),
        fc.float32Array({ minLength: 12, maxLength: 12, min: -3, max: 3, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (x, logChange, threshold) => {
          const eps = 1e-3;
          const enc = new DeltaEncoder(12, dt, threshold, 2, eps);
          enc.present(x);
          const next = Array.from(x, (v, i) => Math.exp(Math.log(v + eps) + logChange[i]) - eps);
          enc.present(next);
          const events = enc.tick();
          let on = 0;
          let off = 0;
          events.forEach((current, i) => {
            const change = Math.log(Math.max(next[i], 0) + eps) - Math.log(x[i] + eps);
            const n = Math.floor(Math.abs(change) / threshold + 1e-9);
            expect(Math.sign(current)).toBe(n === 0 ? 0 : Math.sign(change));
            expect(Math.abs(current)).toBeCloseTo((n * 2) / dt, 1);
            if (change > 0) on += n;
            else off += n;
          });
          expect(enc.onEvents).toBe(on);
          expect(enc.offEvents).toBe(off);
          // Events land on the first tick only.
          expect(enc.tick().every((v) => v === 0)).toBe(true);
        },
      ),
    );
  });

  it("keeps the remainder below threshold for the next frame", () => {
    const enc = new DeltaEncoder(1, dt, 0.5, 1, 1e-3);
    const at = (level: number) => [Math.exp(level) - 1e-3];
    enc.present(at(-2));
    enc.present(at(-1.7)); // +0.3: below threshold
    expect(enc.tick()[0]).toBe(0);
    enc.present(at(-1.4)); // +0.6 since the reference: one ON event
    expect(enc.tick()[0]).toBeCloseTo(1 / dt, 3);
    expect(enc.onEvents).toBe(1);
    enc.present(at(-1.4)); // the reference is at -1.5: 0.1 left, no event
    expect(enc.tick()[0]).toBe(0);
  });

  it("reset forgets the reference, so the next frame only primes", () => {
    const enc = new DeltaEncoder(2, dt, 0.1);
    enc.present([0.1, 0.9]);
    enc.present([0.9, 0.1]);
    expect(enc.onEvents).toBeGreaterThan(0);
    expect(enc.offEvents).toBeGreaterThan(0);
    enc.reset();
    enc.present([0.1, 0.9]);
    expect(Array.from(enc.tick())).toEqual([0, 0]);
    expect(enc.onEvents + enc.offEvents).toBe(0);
  });
});

describe("encoders from a model file", () => {
  it("builds the encoder the model's input section names, sized to its shape", () => {
    const base = {
      format: "spikenode-model",
      version: 1,
      name: "t",
      dt: 0.002,
      weights: { file: "w.bin", bytes: 0 },
      presentation: { timesteps: 10 },
      layers: [{ type: "flatten" }],
      readout: { type: "spike_count" },
      labels: ["a"],
      provenance: { method: "hand-written" },
    };
    const encoders = [
      { type: "constant", gain: 2 },
      { type: "poisson", max_rate: 100 },
      { type: "delta", threshold: 0.2 },
    ];
    for (const encoder of encoders) {
      const spec = ModelSpec.parse({ ...base, input: { shape: [1, 2, 3], encoder } });
      const enc = encoderForModel(spec);
      expect(enc.kind).toBe(encoder.type);
      expect(enc.size).toBe(6);
      expect(enc.constant).toBe(encoder.type === "constant");
    }
    const poisson = createEncoder(
      { type: "poisson", max_rate: 100, amplitude: 1, seed: 0 },
      4,
      0.002,
    );
    expect((poisson as PoissonEncoder).dt).toBe(0.002);
  });

  it("refuses nonsense parameters", () => {
    expect(() => new PoissonEncoder(4, 0, 100)).toThrow("dt is 0");
    expect(() => new DeltaEncoder(4, 0.001, -1)).toThrow("threshold is -1");
    expect(() => new ConstantEncoder(0)).toThrow("size 0");
    expect(() => new ConstantEncoder(2, Number.NaN)).toThrow("must be finite");
  });
});
