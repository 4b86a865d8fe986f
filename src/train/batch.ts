/** Turns byte images into a float batch, with optional flip/shift/crop and camera augmentation. */
import { CameraAugmenter, type CameraAugment } from "./camera-augment.js";
import type { ImageSet } from "./datasets/types.js";
import type { Rng } from "./rng.js";

export interface Augment {
  flip: boolean;
  shift: number;
  /** Crop a crop×crop window: at random when `rng` is given (training), else the centre. */
  crop?: number;
  /** Camera-robust augmentation after the others (training only: needs `rng`). */
  camera?: CameraAugment;
}

/** [C, H, W] of the images fillBatch writes for `set` under `augment`. */
export function batchShape(set: ImageSet, augment?: Augment): [number, number, number] {
  const [c, h, w] = set.shape;
  return augment?.crop ? [c, Math.min(h, augment.crop), Math.min(w, augment.crop)] : [c, h, w];
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
  const [c, H, W] = set.shape;
  const srcSize = c * H * W;
  const [, h, w] = batchShape(set, augment);
  const size = c * h * w;
  const inv = 1 / 255;
  const camera = augment?.camera && rng ? new CameraAugmenter(augment.camera, h, w, c) : null;
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k] * srcSize;
    const dst = k * size;
    labels[k] = set.labels[indices[k]];
    const flip = augment?.flip && rng ? rng.next() < 0.5 : false;
    const dy =
      augment && augment.shift > 0 && rng ? rng.int(2 * augment.shift + 1) - augment.shift : 0;
    const dx =
      augment && augment.shift > 0 && rng ? rng.int(2 * augment.shift + 1) - augment.shift : 0;
    // Crop offset into the source image (drawn only for cropping configs).
    const oy = h < H ? (rng ? rng.int(H - h + 1) : (H - h) >> 1) : 0;
    const ox = w < W ? (rng ? rng.int(W - w + 1) : (W - w) >> 1) : 0;
    if (!flip && dx === 0 && dy === 0 && h === H && w === W) {
      for (let i = 0; i < size; i++) out[dst + i] = set.pixels[src + i] * inv;
      camera?.apply(out, dst, rng!);
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
          const s = src + ((sy + oy) * W + sx + ox) * c;
          for (let ch = 0; ch < c; ch++) out[o + ch] = set.pixels[s + ch] * inv;
        }
      }
    }
    camera?.apply(out, dst, rng!);
  }
}
