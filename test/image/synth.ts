/**
 * Test-side writer of sensor_msgs/Image in every encoding we read, from a reference picture
 * whose samples are 16-bit integers q (intensity q / 65535). Build references with q = 257 k
 * so 8-bit encodings (k / 255) hold them exactly too.
 */
import type { RawPixels } from "../../src/image/types.js";

export interface Reference {
  width: number;
  height: number;
  /** width × height × 3 (R, G, B) 16-bit samples. */
  rgb: Uint16Array;
}

export interface WriteOptions {
  /** Extra bytes at the end of every row. */
  padding?: number;
  bigEndian?: boolean;
}

/**
 * A reference from a deterministic pattern: 8-bit-representable colours (q = 257 k), or with
 * `fine` any 16-bit value (distinct high and low bytes, so byte order matters).
 */
export function reference(width: number, height: number, seed = 1, fine = false): Reference {
  const rgb = new Uint16Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < rgb.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    rgb[i] = fine ? s >>> 16 : 257 * (s >>> 24);
  }
  return { width, height, rgb };
}

export function luma(ref: Reference, i: number): number {
  const p = i * 3;
  return (0.299 * ref.rgb[p] + 0.587 * ref.rgb[p + 1] + 0.114 * ref.rgb[p + 2]) / 65535;
}

/** Gray references (R = G = B) for mono encodings. */
export function grayReference(width: number, height: number, seed = 1, fine = false): Reference {
  const ref = reference(width, height, seed, fine);
  for (let i = 0; i < width * height; i++) {
    ref.rgb[i * 3 + 1] = ref.rgb[i * 3];
    ref.rgb[i * 3 + 2] = ref.rgb[i * 3];
  }
  return ref;
}

type Channel = "r" | "g" | "b" | "a" | "y";

const LAYOUTS: Record<string, { bits: 8 | 16 | 32 | 64; order: Channel[] }> = {
  mono8: { bits: 8, order: ["y"] },
  "8UC1": { bits: 8, order: ["y"] },
  mono16: { bits: 16, order: ["y"] },
  "16UC1": { bits: 16, order: ["y"] },
  "32FC1": { bits: 32, order: ["y"] },
  "64FC1": { bits: 64, order: ["y"] },
  rgb8: { bits: 8, order: ["r", "g", "b"] },
  bgr8: { bits: 8, order: ["b", "g", "r"] },
  "8UC3": { bits: 8, order: ["b", "g", "r"] },
  rgba8: { bits: 8, order: ["r", "g", "b", "a"] },
  bgra8: { bits: 8, order: ["b", "g", "r", "a"] },
  "8UC4": { bits: 8, order: ["b", "g", "r", "a"] },
  rgb16: { bits: 16, order: ["r", "g", "b"] },
  bgr16: { bits: 16, order: ["b", "g", "r"] },
  rgba16: { bits: 16, order: ["r", "g", "b", "a"] },
  bgra16: { bits: 16, order: ["b", "g", "r", "a"] },
  "16UC3": { bits: 16, order: ["b", "g", "r"] },
  "32FC3": { bits: 32, order: ["b", "g", "r"] },
};

export const INTERLEAVED_ENCODINGS = Object.keys(LAYOUTS);

export function isMono(encoding: string): boolean {
  return LAYOUTS[encoding].order.length === 1;
}

/** Bits per sample of an encoding written here. */
export function sampleBits(encoding: string): number {
  return LAYOUTS[encoding].bits;
}

/** Write ref in an interleaved encoding (mono encodings take the R channel). */
export function write(ref: Reference, encoding: string, options: WriteOptions = {}): RawPixels {
  const layout = LAYOUTS[encoding];
  const bytes = layout.bits / 8;
  const rowBytes = ref.width * layout.order.length * bytes;
  const step = rowBytes + (options.padding ?? 0);
  const data = new Uint8Array(step * ref.height).fill(0xa5);
  const view = new DataView(data.buffer);
  const little = !options.bigEndian;
  for (let y = 0; y < ref.height; y++) {
    for (let x = 0; x < ref.width; x++) {
      const i = y * ref.width + x;
      layout.order.forEach((ch, k) => {
        const q = ch === "a" ? 0x1234 : ref.rgb[i * 3 + (ch === "g" ? 1 : ch === "b" ? 2 : 0)];
        const p = y * step + (x * layout.order.length + k) * bytes;
        if (layout.bits === 8) data[p] = q >> 8;
        else if (layout.bits === 16) view.setUint16(p, q, little);
        else if (layout.bits === 32) view.setFloat32(p, q / 65535, little);
        else view.setFloat64(p, q / 65535, little);
      });
    }
  }
  return {
    width: ref.width,
    height: ref.height,
    encoding,
    is_bigendian: options.bigEndian ? 1 : 0,
    step,
    data,
  };
}

/** A 4:2:2 image from per-pixel luma and per-pair chroma bytes. */
export function writeYuv(
  width: number,
  height: number,
  order: "uyvy" | "yuyv",
  lumaAt: (x: number, y: number) => number,
  chromaAt: (pair: number, y: number) => [number, number],
  padding = 0,
  encoding: string = order,
): RawPixels {
  const step = width * 2 + padding;
  const data = new Uint8Array(step * height);
  for (let y = 0; y < height; y++) {
    for (let pair = 0; pair < width / 2; pair++) {
      const [u, v] = chromaAt(pair, y);
      const m = y * step + pair * 4;
      const y0 = lumaAt(pair * 2, y);
      const y1 = lumaAt(pair * 2 + 1, y);
      const bytes = order === "uyvy" ? [u, y0, v, y1] : [y0, u, y1, v];
      data.set(bytes, m);
    }
  }
  return { width, height, encoding, is_bigendian: 0, step, data };
}

/** A Bayer mosaic sampled from ref's colours. */
export function writeBayer(
  ref: Reference,
  pattern: "rggb" | "bggr" | "gbrg" | "grbg",
  bits: 8 | 16,
  options: WriteOptions = {},
): RawPixels {
  const bytes = bits / 8;
  const step = ref.width * bytes + (options.padding ?? 0);
  const data = new Uint8Array(step * ref.height);
  const view = new DataView(data.buffer);
  for (let y = 0; y < ref.height; y++) {
    for (let x = 0; x < ref.width; x++) {
      const letter = pattern[((y & 1) << 1) | (x & 1)];
      const q = ref.rgb[(y * ref.width + x) * 3 + (letter === "r" ? 0 : letter === "g" ? 1 : 2)];
      const p = y * step + x * bytes;
      if (bits === 8) data[p] = q >> 8;
      else view.setUint16(p, q, !options.bigEndian);
    }
  }
  return {
    width: ref.width,
    height: ref.height,
    encoding: `bayer_${pattern}${bits}`,
    is_bigendian: options.bigEndian ? 1 : 0,
    step,
    data,
  };
}
