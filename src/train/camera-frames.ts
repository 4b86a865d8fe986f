/**
 * Camera-framed test images (issue 13): what a real camera shows the node, synthesised from a
 * dataset's small grayscale images, then read by the node's own preprocessing. Each image is
 * placed on a black rgb8 frame (640×480 by default) so that it fills a random 70–100 % of the
 * side of the frame's centre square (what `fit: center_crop` keeps), at a random offset within
 * the room that leaves, with Gaussian sensor noise per pixel and channel; optionally encoded as
 * JPEG (sharp) and decoded as the node decodes a CompressedImage. The frame then goes through
 * `ImagePreprocessor` (src/image), exactly as a live frame would, to the model's input.
 *
 * Seeded: the same seed gives the same frames, so a robustness figure can be reproduced.
 */
import type { Model } from "../snn/model.js";
import { ImagePreprocessor } from "../image/index.js";
import type { ImageSet } from "./datasets/types.js";
import { Rng } from "./rng.js";

export interface CameraFraming {
  /** Frame size (default 640 × 480, a 4:3 camera). */
  width?: number;
  height?: number;
  /** Side of the item as a fraction of the centre square's side, drawn uniformly (default [0.7, 1]). */
  fill?: [number, number];
  /** Sensor noise σ in grey levels of 255 (default 5). */
  noise?: number;
  /** JPEG quality 1–100: encode each frame and decode it as a CompressedImage; absent: raw rgb8. */
  jpegQuality?: number;
  seed?: number;
}

/** The framing as one name for reports: "camera" or "camera-jpeg75". */
export function framingName(f: CameraFraming): string {
  return f.jpegQuality === undefined ? "camera" : `camera-jpeg${f.jpegQuality}`;
}

/** Parses `--framing`: native | camera | camera-jpegQ (Q the JPEG quality). */
export function parseFraming(text: string): CameraFraming | null {
  if (text === "native") return null;
  if (text === "camera") return {};
  const m = /^camera-jpeg(\d{1,3})$/.exec(text);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 100) return { jpegQuality: Number(m[1]) };
  throw Object.assign(
    new Error(
      `--framing "${text}": give native (the dataset's own images), camera (a 640x480 camera frame: the item filling 70-100 % of the centre crop, off-centre, with sensor noise) or camera-jpegQ (the same as JPEG of quality Q, 1-100, e.g. camera-jpeg75)`,
    ),
    { userFacing: true },
  );
}

/**
 * Standard normal values for sensor noise, drawn once from the seeded generator (Box–Muller);
 * a frame indexes it with one uniform draw per sample, ~30× cheaper than a Box–Muller per
 * sample for the 921,600 samples of a 640×480 rgb frame.
 */
function gaussianTable(rng: Rng, size = 1 << 16): Float32Array {
  const t = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
    const a = 2 * Math.PI * rng.next();
    t[i] = r * Math.cos(a);
    t[i + 1] = r * Math.sin(a);
  }
  return t;
}

/**
 * Draws image k (h × w grey bytes) onto `rgb` (width × height × 3), black around it. The item's
 * side s = fill · min(width, height); its top-left corner is uniform over the positions that
 * keep it inside the centre square. Bilinear, pixel centres aligned.
 */
export function renderCameraFrame(
  gray: Uint8Array,
  h: number,
  w: number,
  rgb: Uint8Array,
  width: number,
  height: number,
  fill: number,
  noise: number,
  rng: Rng,
  /** Standard normal values (gaussianTable); required when noise > 0. */
  normals?: Float32Array,
): void {
  const square = Math.min(width, height);
  const side = Math.max(1, fill * square);
  const sq0x = (width - square) / 2;
  const sq0y = (height - square) / 2;
  const left = sq0x + rng.next() * (square - side);
  const top = sq0y + rng.next() * (square - side);
  const sx = w / side;
  const sy = h / side;
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5 - top) * sy - 0.5;
    const inY = y + 0.5 >= top && y + 0.5 < top + side;
    const y0 = Math.max(0, Math.min(h - 1, Math.floor(v)));
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = Math.max(0, Math.min(1, v - y0));
    for (let x = 0; x < width; x++) {
      let value = 0;
      if (inY && x + 0.5 >= left && x + 0.5 < left + side) {
        const u = (x + 0.5 - left) * sx - 0.5;
        const x0 = Math.max(0, Math.min(w - 1, Math.floor(u)));
        const x1 = Math.min(w - 1, x0 + 1);
        const fx = Math.max(0, Math.min(1, u - x0));
        const top0 = gray[y0 * w + x0] * (1 - fx) + gray[y0 * w + x1] * fx;
        const bot0 = gray[y1 * w + x0] * (1 - fx) + gray[y1 * w + x1] * fx;
        value = top0 * (1 - fy) + bot0 * fy;
      }
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const n = noise > 0 ? value + noise * normals![rng.nextUint32() >>> 16] : value;
        rgb[o + c] = n <= 0 ? 0 : n >= 255 ? 255 : Math.round(n);
      }
    }
  }
}

/**
 * The first `limit` images of `set` as the model sees them through a camera: the same
 * {pixels, labels, count} as evaluate.ts's modelInputs, so every eval path can take either.
 */
export async function cameraInputs(
  set: ImageSet,
  model: Model,
  framing: CameraFraming,
  limit?: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ pixels: Float32Array; labels: Uint8Array; count: number }> {
  const [C, H, W] = set.shape;
  if (C !== 1)
    throw Object.assign(
      new Error(
        `--framing ${framingName(framing)}: ${set.name} images have ${C} channels; camera framing renders grayscale datasets (fashion-mnist, mnist)`,
      ),
      { userFacing: true },
    );
  const width = framing.width ?? 640;
  const height = framing.height ?? 480;
  const [f0, f1] = framing.fill ?? [0.7, 1];
  const noise = framing.noise ?? 5;
  const rng = new Rng(framing.seed ?? 1);
  const normals = gaussianTable(rng);
  const pre = new ImagePreprocessor({
    shape: model.inputShape as [number, number, number],
    preprocess: model.spec.input.preprocess,
  });
  const count = Math.min(set.count, limit ?? set.count);
  const pixels = new Float32Array(count * pre.size);
  const rgb = new Uint8Array(width * height * 3);
  const sharp = framing.jpegQuality === undefined ? null : (await import("sharp")).default;
  for (let k = 0; k < count; k++) {
    const fill = f0 + (f1 - f0) * rng.next();
    renderCameraFrame(
      set.pixels.subarray(k * H * W, (k + 1) * H * W),
      H,
      W,
      rgb,
      width,
      height,
      fill,
      noise,
      rng,
      normals,
    );
    const out = pixels.subarray(k * pre.size, (k + 1) * pre.size);
    if (sharp) {
      const jpeg = await sharp(rgb, { raw: { width, height, channels: 3 } })
        .jpeg({ quality: framing.jpegQuality })
        .toBuffer();
      await pre.fromCompressed(
        { format: "rgb8; jpeg compressed bgr8", data: new Uint8Array(jpeg) },
        `frame ${k}`,
        out,
      );
    } else {
      pre.fromRaw(
        { width, height, encoding: "rgb8", is_bigendian: 0, step: width * 3, data: rgb },
        `frame ${k}`,
        out,
      );
    }
    if (onProgress && (k % 250 === 249 || k === count - 1)) onProgress(k + 1, count);
  }
  return { pixels, labels: set.labels.subarray(0, count), count };
}
