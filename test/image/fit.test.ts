import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ImagePreprocessor, type RawPixels, type TensorSpec } from "../../src/image/index.js";
import { axisWeights } from "../../src/image/resample.js";
import type { ModelSpec } from "../../src/snn/model-spec.js";

function mono8(width: number, height: number, values: number[], padding = 0): RawPixels {
  const step = width + padding;
  const data = new Uint8Array(step * height);
  for (let y = 0; y < height; y++) data.set(values.slice(y * width, (y + 1) * width), y * step);
  return { width, height, encoding: "mono8", is_bigendian: 0, step, data };
}

function gray(
  h: number,
  w: number,
  fit: "stretch" | "center_crop" | "letterbox",
  extra: Partial<TensorSpec["preprocess"]> = {},
): TensorSpec {
  return { shape: [1, h, w], preprocess: { color: "gray", fit, invert: false, ...extra } };
}

const scaled = (t: Float32Array) => Array.from(t, (v) => Math.round(v * 255 * 1000) / 1000);

describe("resampling weights", () => {
  it("is the identity at scale 1", () => {
    const a = axisWeights(7, 0, 7, 7);
    expect(Array.from(a.start)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(a.count)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it("averages exact areas when shrinking by a fraction", () => {
    // 3 → 2: output 0 covers [0, 1.5), output 1 covers [1.5, 3).
    const a = axisWeights(3, 0, 3, 2);
    expect(Array.from(a.weights.subarray(0, a.count[0]))).toEqual([2 / 3, 1 / 3]);
    expect(a.start[1]).toBe(1);
    expect(Array.from(a.weights.subarray(a.stride, a.stride + a.count[1]))).toEqual([1 / 3, 2 / 3]);
  });

  it("weights sum to 1 and stay inside the source for any region", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (n, out, startFrac, lengthFrac) => {
          const length = Math.max(1e-3, n * lengthFrac);
          const start = (n - length) * startFrac;
          const a = axisWeights(n, start, length, out);
          for (let i = 0; i < out; i++) {
            let sum = 0;
            for (let k = 0; k < a.count[i]; k++) sum += a.weights[i * a.stride + k];
            expect(sum).toBeCloseTo(1, 9);
            expect(a.start[i]).toBeGreaterThanOrEqual(0);
            expect(a.start[i] + a.count[i]).toBeLessThanOrEqual(n);
            expect(a.count[i]).toBeLessThanOrEqual(a.stride);
          }
        },
      ),
    );
  });
});

describe("fitting a frame to the model", () => {
  it("stretch shrinks 4×4 to 2×2 by block means", () => {
    const pre = new ImagePreprocessor(gray(2, 2, "stretch"));
    const img = mono8(
      4,
      4,
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150],
      3,
    );
    expect(scaled(pre.fromRaw(img))).toEqual([25, 45, 105, 125]);
  });

  it("stretch enlarges 2×1 to 4×1 by linear interpolation, edges held", () => {
    const pre = new ImagePreprocessor(gray(1, 4, "stretch"));
    expect(scaled(pre.fromRaw(mono8(2, 1, [0, 100])))).toEqual([0, 25, 75, 100]);
  });

  it("center_crop keeps the middle of a wide frame", () => {
    // 6×2 → 2×2: the middle 2×2 columns (2, 3), scale 1.
    const pre = new ImagePreprocessor(gray(2, 2, "center_crop"));
    const img = mono8(6, 2, [1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]);
    expect(scaled(pre.fromRaw(img))).toEqual([3, 4, 13, 14]);
  });

  it("center_crop of a tall frame with a fractional cut averages the covered areas", () => {
    // 1×3 → 2 wide × 1 high at scale 2 reads a band 0.5 high centred, [1.25, 1.75): the middle row.
    const pre = new ImagePreprocessor(gray(1, 2, "center_crop"));
    expect(scaled(pre.fromRaw(mono8(1, 3, [0, 90, 255])))).toEqual([90, 90]);
  });

  it("letterbox fits a wide frame and fills the bars", () => {
    // 4×2 into 4×4: the picture occupies rows 1-2, bars at rows 0 and 3.
    const pre = new ImagePreprocessor(gray(4, 4, "letterbox"), { letterboxFill: 0.5 });
    const img = mono8(4, 2, [0, 51, 102, 153, 204, 255, 0, 51]);
    expect(scaled(pre.fromRaw(img))).toEqual([
      127.5, 127.5, 127.5, 127.5, 0, 51, 102, 153, 204, 255, 0, 51, 127.5, 127.5, 127.5, 127.5,
    ]);
  });

  it("invert flips polarity and then mean/std normalise; bars are the fill as the model sees it", () => {
    const pre = new ImagePreprocessor(
      gray(2, 1, "letterbox", { invert: true, mean: [0.5], std: [0.25] }),
      { letterboxFill: 0 },
    );
    // 1×1 white pixel into 1 wide × 2 high: the picture takes row 0 (floor of the spare row / 2).
    const t = pre.fromRaw(mono8(1, 1, [255]));
    expect(Array.from(t)).toEqual([(0 - 0.5) / 0.25, (0 - 0.5) / 0.25]);
    const inverted = pre.fromRaw(mono8(1, 1, [0]));
    expect(Array.from(inverted)).toEqual([(1 - 0.5) / 0.25, (0 - 0.5) / 0.25]);
  });

  it("normalises each colour channel with its own mean and std", () => {
    const spec: TensorSpec = {
      shape: [3, 1, 1],
      preprocess: {
        color: "rgb",
        fit: "stretch",
        invert: false,
        mean: [0.1, 0.2, 0.3],
        std: [1, 2, 4],
      },
    };
    const pre = new ImagePreprocessor(spec);
    const data = new Uint8Array([255, 0, 51]);
    const t = pre.fromRaw({
      width: 1,
      height: 1,
      encoding: "rgb8",
      is_bigendian: 0,
      step: 3,
      data,
    });
    expect(t[0]).toBeCloseTo(0.9, 6);
    expect(t[1]).toBeCloseTo(-0.1, 6);
    expect(t[2]).toBeCloseTo(-0.025, 6);
  });

  it("replicates gray into three channels for an rgb model", () => {
    const spec: TensorSpec = {
      shape: [3, 1, 2],
      preprocess: { color: "rgb", fit: "stretch", invert: false },
    };
    const t = new ImagePreprocessor(spec).fromRaw(mono8(2, 1, [51, 255]));
    expect(scaled(t)).toEqual([51, 255, 51, 255, 51, 255]);
  });

  it("keeps a constant frame constant at any size and fit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom("stretch", "center_crop", "letterbox" as const),
        fc.integer({ min: 0, max: 255 }),
        (w, h, ow, oh, fit, value) => {
          const pre = new ImagePreprocessor(gray(oh, ow, fit), { letterboxFill: value / 255 });
          const t = pre.fromRaw(mono8(w, h, new Array(w * h).fill(value)));
          for (const v of t) expect(v).toBeCloseTo(value / 255, 5);
        },
      ),
    );
  });

  it("reuses its buffer, or writes into the caller's", () => {
    const pre = new ImagePreprocessor(gray(2, 2, "stretch"));
    const a = pre.fromRaw(mono8(2, 2, [1, 2, 3, 4]));
    const b = pre.fromRaw(mono8(2, 2, [5, 6, 7, 8]));
    expect(a).toBe(b);
    const mine = new Float32Array(4);
    expect(pre.fromRaw(mono8(2, 2, [9, 9, 9, 9]), "frame", mine)).toBe(mine);
    expect(() => pre.fromRaw(mono8(2, 2, [9, 9, 9, 9]), "frame", new Float32Array(3))).toThrow(
      RangeError,
    );
  });

  it("accepts a model file's input section as it is", () => {
    const input: ModelSpec["input"] = {
      shape: [1, 28, 28],
      preprocess: { color: "gray", fit: "center_crop", invert: false },
      encoder: { type: "constant", gain: 1, bias: 0 },
    };
    const pre = new ImagePreprocessor(input);
    expect(pre.size).toBe(784);
  });
});
