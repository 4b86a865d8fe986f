import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConstantEncoder,
  PixelWindowsEncoder,
  RowsEncoder,
  createEncoder,
  encodeSequence,
  encoderForModel,
} from "../../src/encode/index.js";
import { encodedInputShape, sequenceLength } from "../../src/snn/encoding.js";
import { Encoder, ModelSpec } from "../../src/snn/model-spec.js";

const shapes = fc.tuple(
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 1, max: 7 }),
  fc.integer({ min: 1, max: 7 }),
);
const imageOf = (n: number) =>
  fc.float32Array({ minLength: n, maxLength: n, min: 0, max: 1, noNaN: true });
const withImage = <T extends readonly [number, number, number]>(shape: fc.Arbitrary<T>) =>
  shape.chain((s) => fc.tuple(fc.constant(s), imageOf(s[0] * s[1] * s[2])));

describe("rows encoder", () => {
  it("round trip: the ticks, put back by row, are the image (gain 1, bias 0, any ticks_per_row)", () => {
    fc.assert(
      fc.property(withImage(shapes), fc.integer({ min: 1, max: 3 }), ([[c, h, w], img], tpr) => {
        const enc = new RowsEncoder([c, h, w], 1, 0, tpr);
        expect(enc.steps).toBe(h * tpr);
        expect(enc.outputSize).toBe(c * w);
        const seq = encodeSequence(enc, img, undefined, new Float64Array(h * tpr * c * w));
        const back = new Float32Array(c * h * w);
        for (let t = 0; t < h * tpr; t++) {
          const y = Math.floor(t / tpr);
          for (let ch = 0; ch < c; ch++)
            for (let x = 0; x < w; x++) {
              const v = seq[t * c * w + ch * w + x];
              if (t % tpr === 0) back[(ch * h + y) * w + x] = v;
              // a row is held unchanged for all its ticks
              else expect(v).toBe(seq[(t - 1) * c * w + ch * w + x]);
            }
        }
        expect(back).toEqual(img);
      }),
    );
  });

  it("tick t carries gain·x + bias of row floor(t / ticks_per_row), channel-major, in float64", () => {
    fc.assert(
      fc.property(
        withImage(shapes),
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        ([[c, h, w], img], gain, bias) => {
          const enc = new RowsEncoder([c, h, w], gain, bias, 2);
          enc.present(img);
          for (let t = 0; t < 2 * h; t++) {
            const row = enc.tick();
            const y = Math.floor(t / 2);
            for (let ch = 0; ch < c; ch++)
              for (let x = 0; x < w; x++)
                expect(row[ch * w + x]).toBe(gain * img[(ch * h + y) * w + x] + bias);
          }
          // Past the sequence: zeros, however long one ticks on.
          for (let t = 0; t < 3; t++)
            expect(Array.from(enc.tick())).toEqual(new Array(c * w).fill(0));
        },
      ),
    );
  });

  it("starts again at the top on every present(), without allocating per tick", () => {
    const enc = new RowsEncoder([1, 3, 2]);
    enc.present([1, 2, 3, 4, 5, 6]);
    const first = enc.tick();
    expect(Array.from(first)).toEqual([1, 2]);
    expect(Array.from(enc.tick())).toEqual([3, 4]);
    enc.present([6, 5, 4, 3, 2, 1]);
    const again = enc.tick();
    expect(again).toBe(first); // the same view, rewritten
    expect(Array.from(again)).toEqual([6, 5]);
    enc.reset();
    expect(Array.from(enc.tick())).toEqual([0, 0]);
  });

  it("refuses nonsense parameters and frames", () => {
    expect(() => new RowsEncoder([1, 0, 3])).toThrow("three positive integers");
    expect(() => new RowsEncoder([1, 2, 3], 1, 0, 0)).toThrow("ticks_per_row is 0");
    expect(() => new RowsEncoder([1, 2, 3], Number.NaN)).toThrow("must be finite");
    expect(() => new RowsEncoder([1, 2, 3]).present([1, 2])).toThrow("frame has 2 values");
    expect(() =>
      createEncoder({ type: "rows", gain: 1, bias: 0, ticks_per_row: 1 }, 784, 0.001),
    ).toThrow("needs the input shape");
  });
});

describe("pixel_windows encoder", () => {
  const params = fc.tuple(
    fc.integer({ min: 1, max: 60 }),
    fc.integer({ min: 1, max: 8 }),
    fc.integer({ min: 1, max: 6 }),
  );

  it("ceil(N / stride) windows; window k is pixels k·stride … + window − 1, zero-padded at the end", () => {
    fc.assert(
      fc.property(
        params.filter(([n, win]) => win <= n).chain((p) => fc.tuple(fc.constant(p), imageOf(p[0]))),
        fc.double({ min: -3, max: 3, noNaN: true }),
        ([[n, win, stride], img], bias) => {
          const enc = new PixelWindowsEncoder(n, win, stride, 2, bias);
          const steps = Math.ceil(n / stride);
          expect(enc.steps).toBe(steps);
          expect(enc.outputSize).toBe(win);
          const seq = encodeSequence(enc, img, undefined, new Float64Array(steps * win));
          for (let k = 0; k < steps; k++) {
            for (let j = 0; j < win; j++) {
              const p = k * stride + j;
              expect(seq[k * win + j]).toBe(p < n ? 2 * img[p] + bias : bias);
            }
          }
          // The last window starts inside the image; one more would start past it.
          expect((steps - 1) * stride).toBeLessThan(n);
          expect(steps * stride).toBeGreaterThanOrEqual(n);
          for (let t = 0; t < 2; t++)
            expect(Array.from(enc.tick())).toEqual(new Array(win).fill(0));
        },
      ),
    );
  });

  it("with stride ≤ window every pixel is read, each by min(window, …) windows", () => {
    fc.assert(
      fc.property(
        params.filter(([n, win, s]) => win <= n && s <= win),
        ([n, win, stride]) => {
          const enc = new PixelWindowsEncoder(n, win, stride);
          // Mark pixel i with value i + 1 and count how often each mark is seen.
          const img = Array.from({ length: n }, (_, i) => i + 1);
          const seen = new Array<number>(n).fill(0);
          enc.present(img);
          for (let k = 0; k < enc.steps; k++) for (const v of enc.tick()) if (v > 0) seen[v - 1]++;
          for (let i = 0; i < n; i++) {
            const starts =
              Math.floor(i / stride) - Math.max(0, Math.ceil((i - win + 1) / stride)) + 1;
            expect(seen[i]).toBe(starts);
          }
        },
      ),
    );
  });

  it("Yin's S-MNIST form: 28×28, window 4, stride 1 is 784 ticks of 4 inputs", () => {
    const enc = new PixelWindowsEncoder(784);
    expect([enc.steps, enc.outputSize]).toEqual([784, 4]);
  });

  it("refuses nonsense parameters", () => {
    expect(() => new PixelWindowsEncoder(10, 0)).toThrow("window is 0");
    expect(() => new PixelWindowsEncoder(10, 4, 1.5)).toThrow("stride is 1.5");
    expect(() => new PixelWindowsEncoder(3, 4)).toThrow("larger than the image");
  });
});

describe("sequence encoders and the engine agree on sizes", () => {
  const base = {
    format: "spikenode-model",
    version: 1,
    name: "m",
    dt: 0.001,
    weights: { file: "w.bin", bytes: 0 },
    layers: [{ type: "flatten" }],
    readout: { type: "spike_count" },
    labels: ["a"],
    provenance: { method: "hand-written" },
  };

  it("steps and outputSize equal snn's sequenceLength and encodedInputShape for every encoder", () => {
    const encoders = fc.oneof(
      fc.record({ type: fc.constant("constant") }),
      fc.record({ type: fc.constant("poisson"), max_rate: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ type: fc.constant("delta"), threshold: fc.constant(0.1) }),
      fc.record({ type: fc.constant("rows"), ticks_per_row: fc.integer({ min: 1, max: 4 }) }),
      fc.record({
        type: fc.constant("pixel_windows"),
        window: fc.integer({ min: 1, max: 4 }),
        stride: fc.integer({ min: 1, max: 5 }),
      }),
      // Spike-coded (level-crossing) sequence input: 2·levels event lines per value.
      fc.record({
        type: fc.constant("rows"),
        spikes: fc.record({ levels: fc.integer({ min: 1, max: 5 }) }),
      }),
      fc.record({
        type: fc.constant("pixel_windows"),
        window: fc.integer({ min: 1, max: 4 }),
        spikes: fc.record({ levels: fc.integer({ min: 1, max: 5 }) }),
      }),
    );
    fc.assert(
      fc.property(shapes, encoders, ([c, h, w], raw) => {
        const encoder = Encoder.parse(raw);
        // A window wider than the image is refused (tested above).
        fc.pre(encoder.type !== "pixel_windows" || encoder.window <= c * h * w);
        const spec = ModelSpec.parse({
          ...base,
          input: { shape: [c, h, w], encoder },
          presentation: { timesteps: sequenceLength(encoder, [c, h, w]) ?? 5 },
        });
        const enc = encoderForModel(spec);
        expect(enc.kind).toBe(encoder.type);
        const events = "spikes" in encoder && encoder.spikes !== undefined;
        expect(enc.analog).toBe(!["poisson", "delta"].includes(encoder.type) && !events);
        expect(enc.size).toBe(c * h * w);
        expect(enc.steps).toBe(sequenceLength(encoder, [c, h, w]));
        expect(enc.outputSize).toBe(encodedInputShape(encoder, [c, h, w]).reduce((a, b) => a * b));
        expect(enc.tick().length).toBe(enc.outputSize);
      }),
    );
  });

  it("encodeSequence needs a tick count for frame encoders and checks `out`", () => {
    const constant = new ConstantEncoder(3, 2, 1);
    expect(() => encodeSequence(constant, [0, 0.5, 1])).toThrow("no sequence length");
    expect(Array.from(encodeSequence(constant, [0, 0.5, 1], 2))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(() =>
      encodeSequence(new RowsEncoder([1, 2, 2]), [0, 0, 0, 0], undefined, new Float32Array(3)),
    ).toThrow("out has 3 values");
  });
});
