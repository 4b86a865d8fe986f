/**
 * A synthetic camera for benchmarks and tests: `sensor_msgs/Image` frames of a bright object
 * moving over a dark, slightly textured background, in the common 8-bit encodings, stamped at
 * a fixed rate. A handful of templates are drawn once; each frame is a fresh copy of one of
 * them (a real subscription hands over a new buffer per message, and the pipeline may move it
 * to its worker).
 */
import type { RawImage, Time } from "./types.js";

export const SYNTHETIC_ENCODINGS = ["mono8", "rgb8", "bgr8", "rgba8", "bgra8"] as const;
export type SyntheticEncoding = (typeof SYNTHETIC_ENCODINGS)[number];

const CHANNELS: Record<SyntheticEncoding, number> = {
  mono8: 1,
  rgb8: 3,
  bgr8: 3,
  rgba8: 4,
  bgra8: 4,
};

export interface SyntheticCameraOptions {
  width: number;
  height: number;
  encoding: SyntheticEncoding;
  /** Frames per second of the stamps. */
  fps: number;
  /** Distinct pictures cycled through. Default 8. */
  templates?: number;
  frameId?: string;
  /** Stamp of frame 0. Default 1 700 000 000 s. */
  start?: Time;
}

export class SyntheticCamera {
  private readonly pictures: Uint8Array[] = [];
  private readonly step: number;
  private readonly startNs: bigint;
  private readonly periodNs: number;

  constructor(private readonly options: SyntheticCameraOptions) {
    const { width, height, encoding, fps } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(
        `synthetic camera: width and height must be positive integers (got ${width}×${height}).`,
      );
    }
    if (!(encoding in CHANNELS)) {
      throw new RangeError(
        `synthetic camera: encoding ${JSON.stringify(encoding)} is not one of ${SYNTHETIC_ENCODINGS.join(", ")}.`,
      );
    }
    if (!(fps > 0)) throw new RangeError(`synthetic camera: fps must be positive (got ${fps}).`);
    this.step = width * CHANNELS[encoding];
    const start = options.start ?? { sec: 1_700_000_000, nanosec: 0 };
    this.startNs = BigInt(start.sec) * 1_000_000_000n + BigInt(start.nanosec);
    this.periodNs = Math.round(1e9 / fps);
    const n = options.templates ?? 8;
    for (let i = 0; i < n; i++) this.pictures.push(this.draw(i, n));
  }

  /** Frame `index`: a fresh buffer (owned by the caller) and the stamp index / fps. */
  frame(index: number): RawImage {
    const picture = this.pictures[index % this.pictures.length];
    const data = new Uint8Array(picture.byteLength);
    data.set(picture);
    const ns = this.startNs + BigInt(index) * BigInt(this.periodNs);
    return {
      header: {
        stamp: { sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) },
        frame_id: this.options.frameId ?? "synthetic_camera",
      },
      height: this.options.height,
      width: this.options.width,
      encoding: this.options.encoding,
      is_bigendian: 0,
      step: this.step,
      data,
    };
  }

  /** An ellipse whose position and brightness change with `phase`, on textured dark ground. */
  private draw(phase: number, phases: number): Uint8Array {
    const { width, height, encoding } = this.options;
    const channels = CHANNELS[encoding];
    const out = new Uint8Array(this.step * height);
    const angle = (2 * Math.PI * phase) / phases;
    const cx = width * (0.5 + 0.15 * Math.cos(angle));
    const cy = height * (0.5 + 0.15 * Math.sin(angle));
    const rx = width * 0.25;
    const ry = height * 0.35;
    // Object colour, as R, G, B.
    const rgb = [200 + 40 * Math.cos(angle), 170, 140 + 60 * Math.sin(angle)];
    const order = encoding === "bgr8" || encoding === "bgra8" ? [2, 1, 0] : [0, 1, 2];
    for (let y = 0; y < height; y++) {
      const dy = (y - cy) / ry;
      for (let x = 0; x < width; x++) {
        const dx = (x - cx) / rx;
        const inside = dx * dx + dy * dy <= 1;
        // Low-contrast texture so the background is not perfectly flat.
        const ground = ((x * 7 + y * 13 + phase * 5) & 15) + 8;
        const o = y * this.step + x * channels;
        if (channels === 1) {
          out[o] = inside ? Math.round(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) : ground;
          continue;
        }
        for (let c = 0; c < 3; c++) out[o + c] = inside ? Math.round(rgb[order[c]]) : ground;
        if (channels === 4) out[o + 3] = 255;
      }
    }
    return out;
  }
}
