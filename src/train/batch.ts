/** Turns byte images into a float batch, with optional flip/shift augmentation. */
import type { ImageSet } from "./datasets/types.js";
import type { Rng } from "./rng.js";

export interface Augment {
  flip: boolean;
  shift: number;
}

/**
 * Writes images `indices` of `set` as floats in [0, 1] (NHWC) into `out` and their labels into
 * `labels`. Augmentation draws from `rng` (so it is reproducible and resumable).
 */
export function fillBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
  out: Float32Array,
  labels: Int32Array,
  augment?: Augment,
  rng?: Rng,
): void {
  const [c, h, w] = set.shape;
  const size = c * h * w;
  const inv = 1 / 255;
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k] * size;
    const dst = k * size;
    labels[k] = set.labels[indices[k]];
    const flip = augment?.flip && rng ? rng.next() < 0.5 : false;
    const dy =
      augment && augment.shift > 0 && rng ? rng.int(2 * augment.shift + 1) - augment.shift : 0;
    const dx =
      augment && augment.shift > 0 && rng ? rng.int(2 * augment.shift + 1) - augment.shift : 0;
    if (!flip && dx === 0 && dy === 0) {
      for (let i = 0; i < size; i++) out[dst + i] = set.pixels[src + i] * inv;
      continue;
    }
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      for (let x = 0; x < w; x++) {
        const sxRaw = x - dx;
        const sx = flip ? w - 1 - sxRaw : sxRaw;
        const o = dst + (y * w + x) * c;
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
          for (let ch = 0; ch < c; ch++) out[o + ch] = 0;
        } else {
          const s = src + (sy * w + sx) * c;
          for (let ch = 0; ch < c; ch++) out[o + ch] = set.pixels[s + ch] * inv;
        }
      }
    }
  }
}
