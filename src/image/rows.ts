/**
 * Reads rows of a validated image as intensities in [0, 1]: 1 value per pixel for a gray
 * model, 3 (R, G, B) for a colour one. Buffers are kept between frames.
 *
 * Conventions: gray from colour is BT.601 luma (0.299 R + 0.587 G + 0.114 B on the encoded
 * values, as PIL and OpenCV do); alpha is ignored; YUV 4:2:2 is BT.601 limited range (as
 * OpenCV's COLOR_YUV2RGB_UYVY), its gray is the rescaled luma (Y − 16)/219.
 */
import { demosaicBilinear } from "./bayer.js";
import type { PixelFormat } from "./encodings.js";
import type { RawPixels } from "./types.js";

const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export class RowReader {
  private samples = new Float32Array(0);
  private mosaic = new Float32Array(0);
  private demosaiced = new Float32Array(0);
  private image: RawPixels | undefined;
  private format: PixelFormat | undefined;
  private view: DataView | undefined;
  private bigEndian = false;
  private floatLow = 0;
  private floatScale = 1;

  constructor(floatRange: readonly [number, number] = [0, 1]) {
    this.floatLow = floatRange[0];
    this.floatScale = 1 / (floatRange[1] - floatRange[0]);
  }

  /** Start reading a frame (already validated: sizes, step and data length). */
  begin(image: RawPixels, format: PixelFormat): void {
    this.image = image;
    this.format = format;
    this.bigEndian = image.is_bigendian !== 0;
    this.view =
      format.sample === "f32" || format.sample === "f64"
        ? new DataView(image.data.buffer, image.data.byteOffset, image.data.byteLength)
        : undefined;
    const rowSamples = image.width * format.channels;
    if (this.samples.length < rowSamples) this.samples = new Float32Array(rowSamples);
    if (format.layout.kind === "bayer") this.demosaic(image, format);
  }

  /** Drop the reference to the frame so its bytes can be collected. */
  end(): void {
    this.image = undefined;
    this.view = undefined;
  }

  /**
   * Pixels [x0, x1) of row y into out: (x1 − x0) × outChannels values, pixel-interleaved.
   */
  readRow(y: number, x0: number, x1: number, out: Float32Array, outChannels: 1 | 3): void {
    const image = this.image!;
    const format = this.format!;
    const layout = format.layout;
    if (layout.kind === "yuv422") {
      this.readYuv(image.data, y * image.step, x0, x1, layout.order === "uyvy", out, outChannels);
      return;
    }
    if (format.sample === "u8" && layout.kind !== "bayer") {
      this.readBytes(image.data, y * image.step, format.channels, layout, x0, x1, out, outChannels);
      return;
    }
    let src: Float32Array;
    let channels: number;
    let base: number;
    let r: number;
    let g: number;
    let b: number;
    if (layout.kind === "bayer") {
      src = this.demosaiced;
      channels = 3;
      base = y * image.width * 3;
      r = 0;
      g = 1;
      b = 2;
    } else {
      channels = format.channels;
      this.decodeSamples(y * image.step + x0 * format.bytesPerPixel, (x1 - x0) * channels);
      src = this.samples;
      base = -x0 * channels;
      if (layout.kind === "mono") {
        r = g = b = 0;
      } else {
        r = layout.r;
        g = layout.g;
        b = layout.b;
      }
    }
    const mono = layout.kind === "mono";
    if (outChannels === 1) {
      if (mono) {
        for (let x = x0, o = 0; x < x1; x++, o++) out[o] = src[base + x * channels];
      } else {
        for (let x = x0, o = 0; x < x1; x++, o++) {
          const p = base + x * channels;
          out[o] = LUMA_R * src[p + r] + LUMA_G * src[p + g] + LUMA_B * src[p + b];
        }
      }
    } else {
      for (let x = x0, o = 0; x < x1; x++, o += 3) {
        const p = base + x * channels;
        out[o] = src[p + r];
        out[o + 1] = src[p + g];
        out[o + 2] = src[p + b];
      }
    }
  }

  /** 8-bit rows, the common camera case, straight from the bytes. */
  private readBytes(
    data: Uint8Array,
    rowStart: number,
    channels: number,
    layout: { kind: "mono" } | { kind: "color"; r: number; g: number; b: number },
    x0: number,
    x1: number,
    out: Float32Array,
    outChannels: 1 | 3,
  ): void {
    const k = 1 / 255;
    const base = rowStart;
    if (layout.kind === "mono") {
      if (outChannels === 1) {
        for (let x = x0, o = 0; x < x1; x++, o++) out[o] = data[base + x * channels] * k;
      } else {
        for (let x = x0, o = 0; x < x1; x++, o += 3) {
          const v = data[base + x * channels] * k;
          out[o] = v;
          out[o + 1] = v;
          out[o + 2] = v;
        }
      }
      return;
    }
    const r = base + layout.r;
    const g = base + layout.g;
    const b = base + layout.b;
    if (outChannels === 1) {
      const kr = LUMA_R * k;
      const kg = LUMA_G * k;
      const kb = LUMA_B * k;
      for (let x = x0, o = 0; x < x1; x++, o++) {
        const p = x * channels;
        out[o] = kr * data[r + p] + kg * data[g + p] + kb * data[b + p];
      }
    } else {
      for (let x = x0, o = 0; x < x1; x++, o += 3) {
        const p = x * channels;
        out[o] = data[r + p] * k;
        out[o + 1] = data[g + p] * k;
        out[o + 2] = data[b + p] * k;
      }
    }
  }

  /** count samples starting at byte offset into this.samples, scaled to [0, 1]. */
  private decodeSamples(offset: number, count: number): void {
    const data = this.image!.data;
    const out = this.samples;
    switch (this.format!.sample) {
      case "u8":
        for (let i = 0; i < count; i++) out[i] = data[offset + i] * (1 / 255);
        break;
      case "u16":
        if (this.bigEndian) {
          for (let i = 0, p = offset; i < count; i++, p += 2) {
            out[i] = ((data[p] << 8) | data[p + 1]) * (1 / 65535);
          }
        } else {
          for (let i = 0, p = offset; i < count; i++, p += 2) {
            out[i] = (data[p] | (data[p + 1] << 8)) * (1 / 65535);
          }
        }
        break;
      case "f32": {
        const view = this.view!;
        const little = !this.bigEndian;
        const low = this.floatLow;
        const scale = this.floatScale;
        for (let i = 0, p = offset; i < count; i++, p += 4) {
          const v = (view.getFloat32(p, little) - low) * scale;
          // NaN (no return, e.g. in depth images) reads as 0.
          out[i] = v > 0 ? (v < 1 ? v : 1) : 0;
        }
        break;
      }
      case "f64": {
        const view = this.view!;
        const little = !this.bigEndian;
        const low = this.floatLow;
        const scale = this.floatScale;
        for (let i = 0, p = offset; i < count; i++, p += 8) {
          const v = (view.getFloat64(p, little) - low) * scale;
          out[i] = v > 0 ? (v < 1 ? v : 1) : 0;
        }
        break;
      }
    }
  }

  private readYuv(
    data: Uint8Array,
    rowStart: number,
    x0: number,
    x1: number,
    uyvy: boolean,
    out: Float32Array,
    outChannels: 1 | 3,
  ): void {
    // Byte positions within a 4-byte macropixel of two pixels.
    const y0 = uyvy ? 1 : 0;
    const u = uyvy ? 0 : 1;
    const v = uyvy ? 2 : 3;
    for (let x = x0, o = 0; x < x1; x++, o += outChannels) {
      const m = rowStart + (x >> 1) * 4;
      const luma = 1.164 * (data[m + y0 + (x & 1) * 2] - 16);
      if (outChannels === 1) {
        out[o] = clamp01(luma * (1 / 255));
      } else {
        const cb = data[m + u] - 128;
        const cr = data[m + v] - 128;
        out[o] = clamp01((luma + 1.596 * cr) * (1 / 255));
        out[o + 1] = clamp01((luma - 0.813 * cr - 0.391 * cb) * (1 / 255));
        out[o + 2] = clamp01((luma + 2.018 * cb) * (1 / 255));
      }
    }
  }

  private demosaic(image: RawPixels, format: PixelFormat): void {
    const { width, height } = image;
    const n = width * height;
    if (this.mosaic.length < n) this.mosaic = new Float32Array(n);
    if (this.demosaiced.length < n * 3) this.demosaiced = new Float32Array(n * 3);
    for (let y = 0; y < height; y++) {
      this.decodeSamples(y * image.step, width);
      this.mosaic.set(this.samples.subarray(0, width), y * width);
    }
    if (format.layout.kind !== "bayer") return;
    demosaicBilinear(this.mosaic, width, height, format.layout.pattern, this.demosaiced);
  }
}
