import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  IMAGE_ERROR_REASONS,
  ImageError,
  ImagePreprocessor,
  PreprocessConfigError,
  frameLabel,
  type RawPixels,
  type TensorSpec,
} from "../../src/image/index.js";

const SPEC: TensorSpec = {
  shape: [1, 4, 4],
  preprocess: { color: "gray", fit: "center_crop", invert: false },
};
const LABEL = frameLabel(12, {
  stamp: { sec: 1700000000, nanosec: 123456789 },
  frame_id: "camera",
});

function image(overrides: Partial<RawPixels>): RawPixels {
  return {
    width: 4,
    height: 2,
    encoding: "rgb8",
    is_bigendian: 0,
    step: 12,
    data: new Uint8Array(24),
    ...overrides,
  };
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ImageError);
    const e = error as ImageError;
    expect(e.message.startsWith(`${LABEL}: `)).toBe(true);
    expect(e.frame).toBe(LABEL);
    return e.reason;
  }
  throw new Error("no error thrown");
}

describe("frames that cannot be read", () => {
  const pre = new ImagePreprocessor(SPEC, { maxPixels: 1000 });

  it("labels frames with sequence, stamp and frame_id", () => {
    expect(LABEL).toBe("frame 12 (stamp 1700000000.123456789, frame_id camera)");
    expect(frameLabel(3, { stamp: { sec: 5, nanosec: 42 }, frame_id: "" })).toBe(
      'frame 3 (stamp 5.000000042, frame_id "")',
    );
    expect(frameLabel()).toBe("frame");
  });

  const cases: [string, Partial<RawPixels>, string][] = [
    ["negative width", { width: -1 }, "invalid_header"],
    ["fractional step", { step: 12.5 }, "invalid_header"],
    ["NaN height", { height: Number.NaN }, "invalid_header"],
    ["zero width", { width: 0, step: 0 }, "zero_size"],
    ["zero height", { height: 0 }, "zero_size"],
    [
      "beyond the pixel limit",
      { width: 100, height: 11, step: 300, data: new Uint8Array(3300) },
      "too_large",
    ],
    ["unknown encoding", { encoding: "rgb565" }, "unsupported_encoding"],
    ["prototype key as encoding", { encoding: "__proto__" }, "unsupported_encoding"],
    ["inherited key as encoding", { encoding: "constructor" }, "unsupported_encoding"],
    ["planar YUV", { encoding: "nv21" }, "unsupported_encoding"],
    ["signed OpenCV type", { encoding: "16SC1" }, "unsupported_encoding"],
    ["two-channel OpenCV type", { encoding: "8UC2" }, "unsupported_encoding"],
    ["odd-width 4:2:2", { encoding: "uyvy", width: 3, step: 6 }, "odd_width"],
    ["step shorter than a row", { step: 11 }, "step_too_small"],
    ["16-bit step of an 8-bit row", { encoding: "rgb16", step: 12 }, "step_too_small"],
    ["data shorter than step × height", { data: new Uint8Array(23) }, "data_too_short"],
    ["padded step beyond the data", { step: 13 }, "data_too_short"],
  ];
  for (const [what, overrides, reason] of cases) {
    it(`refuses ${what} (${reason})`, () => {
      expect(reasonOf(() => pre.fromRaw(image(overrides), LABEL))).toBe(reason);
    });
  }

  it("names what was wrong and by how much", () => {
    expect(() => pre.fromRaw(image({ data: new Uint8Array(23) }), LABEL)).toThrow(
      "data has 23 bytes, but step 12 × height 2 needs 24",
    );
  });

  it("every reason the module can give is listed", () => {
    for (const [, , reason] of cases) expect(IMAGE_ERROR_REASONS).toContain(reason);
  });
});

describe("model input sections the image stage cannot serve", () => {
  it("refuses mismatched channels, mean/std lengths and bad std", () => {
    const bad: TensorSpec[] = [
      { shape: [3, 4, 4], preprocess: { color: "gray", fit: "stretch", invert: false } },
      { shape: [1, 4, 4], preprocess: { color: "rgb", fit: "stretch", invert: false } },
      {
        shape: [3, 4, 4],
        preprocess: { color: "rgb", fit: "stretch", invert: false, mean: [0, 0] },
      },
      { shape: [1, 4, 4], preprocess: { color: "gray", fit: "stretch", invert: false, std: [0] } },
      { shape: [1, 0, 4], preprocess: { color: "gray", fit: "stretch", invert: false } },
    ];
    for (const spec of bad)
      expect(() => new ImagePreprocessor(spec)).toThrow(PreprocessConfigError);
    expect(() => new ImagePreprocessor(SPEC, { floatRange: [1, 1] })).toThrow(
      PreprocessConfigError,
    );
    expect(() => new ImagePreprocessor(SPEC, { maxPixels: 0 })).toThrow(PreprocessConfigError);
  });
});

const ENCODINGS = [
  "mono8",
  "mono16",
  "rgb8",
  "bgr8",
  "rgba8",
  "bgra8",
  "rgb16",
  "bgr16",
  "rgba16",
  "bgra16",
  "8UC1",
  "8UC3",
  "8UC4",
  "16UC1",
  "16UC3",
  "32FC1",
  "32FC3",
  "64FC1",
  "uyvy",
  "yuv422",
  "yuyv",
  "yuv422_yuy2",
  "bayer_rggb8",
  "bayer_bggr16",
  "bayer_gbrg8",
  "bayer_grbg16",
  "nv21",
  "16SC1",
  "",
];

describe("fuzzing the raw decoder", () => {
  it("returns a finite tensor or throws ImageError, for any header and data", () => {
    const pre = new ImagePreprocessor(
      {
        shape: [3, 3, 5],
        preprocess: { color: "rgb", fit: "letterbox", invert: true, mean: [0.5], std: [0.2] },
      },
      { maxPixels: 4096 },
    );
    const dims = fc.oneof(
      fc.integer({ min: 0, max: 24 }),
      fc.integer({ min: -3, max: 100 }),
      fc.double(),
    );
    fc.assert(
      fc.property(
        fc.record({
          width: dims,
          height: dims,
          step: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.double()),
          encoding: fc.oneof(fc.constantFrom(...ENCODINGS), fc.string()),
          is_bigendian: fc.oneof(fc.constantFrom(0, 1), fc.integer()),
          data: fc.uint8Array({ maxLength: 2000 }),
        }),
        (msg) => {
          try {
            const t = pre.fromRaw(msg, "fuzz frame");
            expect(t.length).toBe(45);
            for (const v of t) expect(Number.isFinite(v)).toBe(true);
          } catch (error) {
            if (!(error instanceof ImageError)) throw error;
            expect(IMAGE_ERROR_REASONS).toContain(error.reason);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("reads every consistent header of every encoding", () => {
    const pre = new ImagePreprocessor({
      shape: [1, 4, 4],
      preprocess: { color: "gray", fit: "center_crop", invert: false },
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...ENCODINGS.slice(0, 26)),
        fc.integer({ min: 1, max: 12 }).map((w) => w * 2),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (encoding, width, height, padding, bigEndian, seed) => {
          const bpp = bytesPerPixel(encoding);
          const step = width * bpp + padding;
          const data = new Uint8Array(step * height);
          let s = seed;
          for (let i = 0; i < data.length; i++) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            data[i] = s >>> 24;
          }
          const t = pre.fromRaw({
            width,
            height,
            encoding,
            is_bigendian: bigEndian ? 1 : 0,
            step,
            data,
          });
          for (const v of t) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

function bytesPerPixel(encoding: string): number {
  if (/^(uyvy|yuv422|yuyv|yuv422_yuy2)$/.test(encoding)) return 2;
  if (encoding.startsWith("bayer")) return encoding.endsWith("16") ? 2 : 1;
  const named: Record<string, number> = {
    mono8: 1,
    mono16: 2,
    rgb8: 3,
    bgr8: 3,
    rgba8: 4,
    bgra8: 4,
    rgb16: 6,
    bgr16: 6,
    rgba16: 8,
    bgra16: 8,
  };
  if (named[encoding]) return named[encoding];
  const m = /^(\d+)[UF]C(\d)$/.exec(encoding)!;
  return (Number(m[1]) / 8) * Number(m[2]);
}
