import { describe, expect, it } from "vitest";
import { fillBatch } from "../../src/train/batch.js";
import {
  CameraAugment,
  CameraAugmenter,
  jpegPlane,
  quantTable,
} from "../../src/train/camera-augment.js";
import type { ImageSet } from "../../src/train/datasets/types.js";
import { Rng } from "../../src/train/rng.js";

/** Only the geometric step: everything else switched off. */
const geometryOnly = (scale: [number, number]) =>
  CameraAugment.parse({
    scale,
    brightness: 0,
    contrast: [1, 1],
    noise: 0,
    blur: 0,
    jpeg: { p: 0 },
  });

function block(h: number, w: number): Float32Array {
  const img = new Float32Array(h * w);
  for (let y = 4; y < 24; y++) for (let x = 6; x < 22; x++) img[y * w + x] = 0.8;
  return img;
}

describe("camera augmentation", () => {
  it("scales the JPEG table as libjpeg does", () => {
    expect(Array.from(quantTable(50).subarray(0, 4))).toEqual([16, 11, 10, 16]);
    expect(Array.from(quantTable(100)).every((v) => v === 1)).toBe(true);
    // q 25 → scale 200 %: twice the table.
    expect(quantTable(25)[0]).toBe(32);
  });

  it("JPEG-like compression keeps flat blocks, nearly keeps a smooth ramp at q 100, flattens noise at q 10", () => {
    const flat = new Float32Array(64).fill(100 / 255);
    jpegPlane(flat, 0, 1, 8, 8, quantTable(10));
    // Still flat; only the DC term moves, by at most half its quantisation step (80 at q 10)
    // over the orthonormal DCT's factor 8.
    for (const v of flat) expect(v).toBe(flat[0]);
    expect(Math.abs(flat[0] * 255 - 100)).toBeLessThanOrEqual(80 / 8 / 2 + 0.5);
    const ramp = Float32Array.from({ length: 28 * 28 }, (_, i) => (((i % 28) + i / 28) | 0) / 54);
    const before = ramp.slice();
    jpegPlane(ramp, 0, 1, 28, 28, quantTable(100));
    for (let i = 0; i < ramp.length; i++)
      expect(Math.abs(ramp[i] - before[i])).toBeLessThan(3 / 255);
    const rng = new Rng(3);
    const noisy = Float32Array.from({ length: 64 }, () => rng.next());
    const spread = (a: Float32Array) => {
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      return a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length;
    };
    const v0 = spread(noisy);
    jpegPlane(noisy, 0, 1, 8, 8, quantTable(10));
    expect(spread(noisy)).toBeLessThan(0.85 * v0);
  });

  it("shrinks the item to the drawn scale and places it inside the image", () => {
    const [h, w] = [28, 28];
    const img = block(h, w);
    const total = img.reduce((s, v) => s + v, 0);
    const aug = new CameraAugmenter(geometryOnly([0.5, 0.5]), h, w, 1);
    aug.apply(img, 0, new Rng(7));
    // Area scales by s² = 1/4 (bilinear keeps the mass up to edge effects).
    const after = img.reduce((s, v) => s + v, 0);
    expect(after / total).toBeGreaterThan(0.2);
    expect(after / total).toBeLessThan(0.3);
    const cols = new Set<number>();
    const rows = new Set<number>();
    img.forEach((v, i) => {
      if (v > 0.4) {
        cols.add(i % w);
        rows.add(Math.floor(i / w));
      }
    });
    expect(cols.size).toBeGreaterThanOrEqual(7);
    expect(cols.size).toBeLessThanOrEqual(9);
    expect(rows.size).toBeGreaterThanOrEqual(9);
    expect(rows.size).toBeLessThanOrEqual(11);
  });

  it("is seeded, keeps values in [0, 1], and runs only where training passes its generator", () => {
    const all = CameraAugment.parse({ noise: 0.2, blur: 1, jpeg: { p: 1 } });
    const a = block(28, 28);
    const b = block(28, 28);
    new CameraAugmenter(all, 28, 28, 1).apply(a, 0, new Rng(5));
    new CameraAugmenter(all, 28, 28, 1).apply(b, 0, new Rng(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    for (const v of a) expect(v >= 0 && v <= 1).toBe(true);
    expect(Array.from(a)).not.toEqual(Array.from(block(28, 28)));

    const pixels = new Uint8Array(784);
    block(28, 28).forEach((v, i) => (pixels[i] = Math.round(v * 255)));
    const set = { name: "s", count: 1, shape: [1, 28, 28], pixels, labels: new Uint8Array([2]) };
    const out = new Float32Array(784);
    const labels = new Int32Array(1);
    const augment = { flip: false, shift: 0, camera: all };
    fillBatch(set as unknown as ImageSet, [0], out, labels, augment);
    expect(Array.from(out)).toEqual(Array.from(pixels, (p) => p / 255).map((v) => Math.fround(v)));
    fillBatch(set as unknown as ImageSet, [0], out, labels, augment, new Rng(1));
    expect(Array.from(out)).not.toEqual(Array.from(pixels, (p) => Math.fround(p / 255)));
  });

  it("refuses a reversed range, naming it", () => {
    expect(() => CameraAugment.parse({ scale: [0.9, 0.7] })).toThrow(/low <= high/);
  });
});
