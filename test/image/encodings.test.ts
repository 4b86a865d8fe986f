import { describe, expect, it } from "vitest";
import { ImagePreprocessor } from "../../src/image/index.js";
import type { TensorSpec } from "../../src/image/index.js";
import {
  INTERLEAVED_ENCODINGS,
  grayReference,
  isMono,
  luma,
  reference,
  sampleBits,
  write,
  writeBayer,
  writeYuv,
  type Reference,
} from "./synth.js";

const W = 5;
const H = 3;

function spec(color: "gray" | "rgb", w = W, h = H): TensorSpec {
  return {
    shape: [color === "gray" ? 1 : 3, h, w],
    preprocess: { color, fit: "stretch", invert: false },
  };
}

/** The tensor a reference should give at its own size: CHW, [0, 1]. */
function expected(ref: Reference, color: "gray" | "rgb"): Float64Array {
  const n = ref.width * ref.height;
  if (color === "gray") return Float64Array.from({ length: n }, (_, i) => luma(ref, i));
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) out[c * n + i] = ref.rgb[i * 3 + c] / 65535;
  return out;
}

function expectClose(actual: Float32Array, wanted: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(wanted.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - wanted[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe("round trip of every interleaved encoding", () => {
  for (const encoding of INTERLEAVED_ENCODINGS) {
    for (const color of ["gray", "rgb"] as const) {
      for (const padding of [0, 3]) {
        for (const bigEndian of [false, true]) {
          it(`${encoding} → ${color}, padding ${padding}, ${bigEndian ? "big" : "little"}-endian`, () => {
            const fine = sampleBits(encoding) > 8;
            const ref = isMono(encoding) ? grayReference(W, H, 7, fine) : reference(W, H, 7, fine);
            const image = write(ref, encoding, { padding, bigEndian });
            const pre = new ImagePreprocessor(spec(color));
            // float32 stores q/65535 to 24 bits; the rest are exact in float32 output.
            expectClose(pre.fromRaw(image), expected(ref, color), 1e-6);
          });
        }
      }
    }
  }

  it("reads 16-bit samples with both bytes (not just the high one)", () => {
    const ref = grayReference(2, 1);
    ref.rgb.set([0x0102, 0x0102, 0x0102, 0xfffe, 0xfffe, 0xfffe]);
    const pre = new ImagePreprocessor(spec("gray", 2, 1));
    for (const bigEndian of [false, true]) {
      const t = pre.fromRaw(write(ref, "mono16", { bigEndian }));
      expect(t[0]).toBeCloseTo(0x0102 / 65535, 7);
      expect(t[1]).toBeCloseTo(0xfffe / 65535, 7);
    }
  });

  it("reads data that starts at an odd byte offset (zero-copy CDR)", () => {
    const ref = grayReference(W, H, 3);
    const image = write(ref, "32FC1", { padding: 1, bigEndian: true });
    const shifted = new Uint8Array(image.data.length + 1);
    shifted.set(image.data, 1);
    const pre = new ImagePreprocessor(spec("gray"));
    expectClose(pre.fromRaw({ ...image, data: shifted.subarray(1) }), expected(ref, "gray"), 1e-6);
  });

  it("maps floating-point ranges and reads NaN as 0", () => {
    const data = new Uint8Array(16);
    const view = new DataView(data.buffer);
    [2.5, Number.NaN, -1, 9].forEach((v, i) => view.setFloat32(i * 4, v, true));
    const image = { width: 4, height: 1, encoding: "32FC1", is_bigendian: 0, step: 16, data };
    const pre = new ImagePreprocessor(spec("gray", 4, 1), { floatRange: [0, 5] });
    expect(Array.from(pre.fromRaw(image))).toEqual([0.5, 0, 0, 1]);
  });
});

describe("YUV 4:2:2", () => {
  const white: [number, number] = [128, 128];
  for (const [order, encoding] of [
    ["uyvy", "uyvy"],
    ["uyvy", "yuv422"],
    ["yuyv", "yuyv"],
    ["yuyv", "yuv422_yuy2"],
  ] as const) {
    it(`${encoding}: luma per pixel, chroma per pair, padded rows`, () => {
      const lumaAt = (x: number, y: number) => 16 + 20 * x + 7 * y;
      const image = writeYuv(4, 2, order, lumaAt, () => white, 2, encoding);
      const pre = new ImagePreprocessor(spec("gray", 4, 2));
      const t = pre.fromRaw(image);
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 4; x++)
          expect(t[y * 4 + x]).toBeCloseTo(((lumaAt(x, y) - 16) * 1.164) / 255, 5);
      }
    });

    it(`${encoding}: BT.601 colours`, () => {
      // Pairs: white, black, red (Y 81, U 90, V 240), blue (Y 41, U 240, V 110).
      const pairs: [number, number, number][] = [
        [235, 128, 128],
        [16, 128, 128],
        [81, 90, 240],
        [41, 240, 110],
      ];
      const image = writeYuv(
        8,
        1,
        order,
        (x) => pairs[x >> 1][0],
        (p) => [pairs[p][1], pairs[p][2]],
        0,
        encoding,
      );
      const pre = new ImagePreprocessor(spec("rgb", 8, 1));
      const t = pre.fromRaw(image);
      const rgbAt = (x: number) => [t[x], t[8 + x], t[16 + x]];
      rgbAt(0).forEach((v) => expect(v).toBeCloseTo(1, 2));
      rgbAt(3).forEach((v) => expect(v).toBeCloseTo(0, 5));
      const red = rgbAt(4);
      expect(red[0]).toBeGreaterThan(0.98);
      expect(red[1]).toBeLessThan(0.02);
      expect(red[2]).toBeLessThan(0.02);
      const blue = rgbAt(6);
      expect(blue[2]).toBeGreaterThan(0.98);
      expect(blue[0]).toBeLessThan(0.02);
      expect(blue[1]).toBeLessThan(0.02);
    });
  }
});

describe("Bayer", () => {
  for (const pattern of ["rggb", "bggr", "gbrg", "grbg"] as const) {
    for (const bits of [8, 16] as const) {
      it(`bayer_${pattern}${bits} demosaics a flat colour exactly (padding, ${bits === 16 ? "big-endian" : "8-bit"})`, () => {
        const ref = reference(6, 4);
        const colour = bits === 8 ? [257 * 200, 257 * 100, 257 * 30] : [0x1234, 0xfe01, 0x80ff];
        for (let i = 0; i < 24; i++) ref.rgb.set(colour, i * 3);
        const image = writeBayer(ref, pattern, bits, { padding: 2, bigEndian: bits === 16 });
        const pre = new ImagePreprocessor(spec("rgb", 6, 4));
        const t = pre.fromRaw(image);
        for (let i = 0; i < 24; i++) {
          for (let c = 0; c < 3; c++) expect(t[c * 24 + i]).toBeCloseTo(colour[c] / 65535, 6);
        }
      });
    }

    it(`bayer_${pattern}8 interpolates a horizontal ramp linearly inside the image`, () => {
      const ref = reference(8, 4);
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 8; x++) {
          const v = 257 * (20 * x + 10);
          ref.rgb.set([v, v, v], (y * 8 + x) * 3);
        }
      }
      const pre = new ImagePreprocessor(spec("rgb", 8, 4));
      const t = pre.fromRaw(writeBayer(ref, pattern, 8));
      for (let y = 0; y < 4; y++) {
        for (let x = 1; x < 7; x++) {
          for (let c = 0; c < 3; c++)
            expect(t[c * 32 + y * 8 + x]).toBeCloseTo((20 * x + 10) / 255, 6);
        }
      }
    });
  }
});
