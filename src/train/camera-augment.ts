/**
 * Camera-robust augmentation (issue 13, config `dataset.augment.camera`): what a camera does to
 * an item that a dataset's tight 28×28 crops never show, applied per training image after the
 * other augmentations, drawing every choice from the trainer's seeded generator (reproducible,
 * resumable):
 *
 * 1. scale and place: the image shrunk to a random fraction of the crop's side (`scale`, the
 *    item filling 70–100 % of it as `eval --framing camera` frames it) at a random position in
 *    the room that leaves, zeros around (bilinear, pixel centres aligned);
 * 2. contrast and brightness: x ← c·x + b, c from `contrast`, b uniform in ±`brightness`;
 * 3. blur with probability `blur`: a 3×3 binomial kernel (a slightly defocused lens);
 * 4. sensor noise: Gaussian, σ uniform in [0, `noise`];
 * 5. JPEG-like compression with probability `jpeg.p`: 8×8 DCT blocks quantised with the JPEG
 *    luminance table at a random quality in `jpeg.quality` (IJG scaling), then 8-bit rounding.
 * Values stay in [0, 1]. Images are NHWC; every channel gets the same geometry.
 */
import { z } from "zod";
import type { Rng } from "./rng.js";

const fraction = z.number().gt(0).max(1);
const range = <T extends z.ZodNumber>(t: T) =>
  z
    .tuple([t, t])
    .refine((r) => (r[0] as number) <= (r[1] as number), "a range is [low, high] with low <= high");

export const CameraAugment = z.strictObject({
  scale: range(fraction).default([0.7, 1]),
  brightness: z.number().min(0).max(1).default(0.1),
  contrast: range(z.number().positive()).default([0.7, 1.3]),
  noise: z.number().min(0).max(1).default(0.03),
  blur: z.number().min(0).max(1).default(0.3),
  jpeg: z
    .strictObject({
      p: z.number().min(0).max(1).default(0.3),
      quality: range(z.number().int().min(1).max(100)).default([50, 95]),
    })
    .default({ p: 0.3, quality: [50, 95] }),
});
export type CameraAugment = z.infer<typeof CameraAugment>;

/** JPEG's luminance quantisation table (ITU-T T.81 Annex K), row-major. */
const LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** The table at quality q (IJG's libjpeg scaling), entries ≥ 1. */
export function quantTable(quality: number): Float64Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return Float64Array.from(LUMA, (v) => Math.max(1, Math.floor((v * scale + 50) / 100)));
}

/** cos((2x + 1)uπ/16)·C(u)/2: the orthonormal 8-point DCT-II basis, [u][x]. */
const BASIS = (() => {
  const b = new Float64Array(64);
  for (let u = 0; u < 8; u++)
    for (let x = 0; x < 8; x++)
      b[u * 8 + x] =
        (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return b;
})();

/**
 * JPEG's lossy step on one plane (h × w values in [0, 1], stride `stride`, offset `off`), in
 * place: level-shifted 8-bit samples, 8×8 forward DCT, quantise with `table`, dequantise,
 * inverse DCT, round to 8 bits. Partial blocks at the edges are padded by edge replication, as
 * encoders do, and only the real pixels are written back.
 */
export function jpegPlane(
  data: Float32Array,
  off: number,
  stride: number,
  h: number,
  w: number,
  table: Float64Array,
): void {
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < h; by += 8)
    for (let bx = 0; bx < w; bx += 8) {
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          const sy = Math.min(h - 1, by + y);
          const sx = Math.min(w - 1, bx + x);
          block[y * 8 + x] = Math.round(data[off + (sy * w + sx) * stride] * 255) - 128;
        }
      // Separable forward DCT: rows then columns.
      for (let y = 0; y < 8; y++)
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += BASIS[u * 8 + x] * block[y * 8 + x];
          tmp[y * 8 + u] = s;
        }
      for (let v = 0; v < 8; v++)
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += BASIS[v * 8 + y] * tmp[y * 8 + u];
          const q = table[v * 8 + u];
          block[v * 8 + u] = Math.round(s / q) * q;
        }
      // Inverse: columns then rows.
      for (let y = 0; y < 8; y++)
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let v = 0; v < 8; v++) s += BASIS[v * 8 + y] * block[v * 8 + u];
          tmp[y * 8 + u] = s;
        }
      for (let y = 0; y < 8 && by + y < h; y++)
        for (let x = 0; x < 8 && bx + x < w; x++) {
          let s = 0;
          for (let u = 0; u < 8; u++) s += BASIS[u * 8 + x] * tmp[y * 8 + u];
          const level = Math.min(255, Math.max(0, Math.round(s + 128)));
          data[off + ((by + y) * w + bx + x) * stride] = level / 255;
        }
    }
}

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Scratch buffers of one image size, reused across images. */
export class CameraAugmenter {
  private readonly src: Float32Array;

  constructor(
    readonly config: CameraAugment,
    readonly h: number,
    readonly w: number,
    readonly c: number,
  ) {
    this.src = new Float32Array(h * w * c);
  }

  /** Augments one NHWC image (values in [0, 1]) at `img[off ..]` in place. */
  apply(img: Float32Array, off: number, rng: Rng): void {
    const { h, w, c, config: k } = this;
    const n = h * w * c;
    const src = this.src;
    src.set(img.subarray(off, off + n));
    // 1. Scale and place.
    const s = k.scale[0] + (k.scale[1] - k.scale[0]) * rng.next();
    const side = { y: s * h, x: s * w };
    const top = rng.next() * (h - side.y);
    const left = rng.next() * (w - side.x);
    for (let y = 0; y < h; y++) {
      const inY = y + 0.5 >= top && y + 0.5 < top + side.y;
      const v = (y + 0.5 - top) / s - 0.5;
      const y0 = Math.max(0, Math.min(h - 1, Math.floor(v)));
      const y1 = Math.min(h - 1, y0 + 1);
      const fy = Math.max(0, Math.min(1, v - y0));
      for (let x = 0; x < w; x++) {
        const o = off + (y * w + x) * c;
        if (!inY || x + 0.5 < left || x + 0.5 >= left + side.x) {
          for (let ch = 0; ch < c; ch++) img[o + ch] = 0;
          continue;
        }
        const u = (x + 0.5 - left) / s - 0.5;
        const x0 = Math.max(0, Math.min(w - 1, Math.floor(u)));
        const x1 = Math.min(w - 1, x0 + 1);
        const fx = Math.max(0, Math.min(1, u - x0));
        for (let ch = 0; ch < c; ch++) {
          const a = src[(y0 * w + x0) * c + ch] * (1 - fx) + src[(y0 * w + x1) * c + ch] * fx;
          const b = src[(y1 * w + x0) * c + ch] * (1 - fx) + src[(y1 * w + x1) * c + ch] * fx;
          img[o + ch] = a * (1 - fy) + b * fy;
        }
      }
    }
    // 2. Contrast and brightness.
    const gain = k.contrast[0] + (k.contrast[1] - k.contrast[0]) * rng.next();
    const bias = (2 * rng.next() - 1) * k.brightness;
    for (let i = 0; i < n; i++) img[off + i] = gain * img[off + i] + bias;
    // 3. Blur (binomial 1-2-1 both ways, edges clamped).
    if (rng.next() < k.blur) {
      src.set(img.subarray(off, off + n));
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++) {
            let sum = 0;
            for (let dy = -1; dy <= 1; dy++)
              for (let dx = -1; dx <= 1; dx++) {
                const yy = Math.max(0, Math.min(h - 1, y + dy));
                const xx = Math.max(0, Math.min(w - 1, x + dx));
                sum += (dy === 0 ? 2 : 1) * (dx === 0 ? 2 : 1) * src[(yy * w + xx) * c + ch];
              }
            img[off + (y * w + x) * c + ch] = sum / 16;
          }
    }
    // 4. Sensor noise, then clamp to the sensor's range.
    const sigma = k.noise * rng.next();
    for (let i = 0; i < n; i++) {
      const v = sigma > 0 ? img[off + i] + sigma * gaussian(rng) : img[off + i];
      img[off + i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    // 5. JPEG-like compression.
    if (rng.next() < k.jpeg.p) {
      const [q0, q1] = k.jpeg.quality;
      const table = quantTable(q0 + Math.floor(rng.next() * (q1 - q0 + 1)));
      for (let ch = 0; ch < c; ch++) jpegPlane(img, off + ch, c, h, w, table);
    }
  }
}
