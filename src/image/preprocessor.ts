/**
 * A camera frame → the model's input tensor (Float32Array, channels-first [C, H, W]).
 *
 * Order: read pixels as intensities in [0, 1] (gray or RGB), fit the frame to H × W (stretch,
 * centre crop or letterbox) while resampling, invert if asked (x → 1 − x), fill letterbox bars,
 * then normalise per channel ((x − mean) / std). Everything but the compressed decode is
 * synchronous, and buffers are kept between frames of the same size.
 */
import { decodeCompressed } from "./compressed.js";
import { parseEncoding, type PixelFormat } from "./encodings.js";
import { ImageError, PreprocessConfigError } from "./errors.js";
import { place, type Placement } from "./geometry.js";
import { axisWeights, type AxisWeights } from "./resample.js";
import { RowReader } from "./rows.js";
import type {
  ColorMode,
  CompressedPixels,
  FitMode,
  RawPixels,
  PreprocessorOptions,
  TensorSpec,
} from "./types.js";

/** 8K UHD. */
export const DEFAULT_MAX_PIXELS = 7680 * 4320;

interface Geometry {
  sourceWidth: number;
  sourceHeight: number;
  placement: Placement;
  x: AxisWeights;
  y: AxisWeights;
}

export class ImagePreprocessor {
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
  /** Values in one tensor: C × H × W. */
  readonly size: number;
  readonly maxPixels: number;

  private readonly color: ColorMode;
  private readonly fit: FitMode;
  private readonly invert: boolean;
  private readonly fill: number;
  private readonly mean: Float64Array;
  private readonly inverseStd: Float64Array;
  private readonly reader: RowReader;
  private readonly tensor: Float32Array;
  private geometry: Geometry | undefined;
  private row = new Float32Array(0);
  private rows = new Float32Array(0);

  constructor(spec: TensorSpec, options: PreprocessorOptions = {}) {
    const [c, h, w] = spec.shape;
    for (const [name, v] of [
      ["channels", c],
      ["height", h],
      ["width", w],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) {
        throw new PreprocessConfigError(
          `input.shape ${name} is ${v}; it must be a positive integer`,
        );
      }
    }
    const { color, fit, invert } = spec.preprocess;
    const wanted = color === "gray" ? 1 : 3;
    if (c !== wanted) {
      throw new PreprocessConfigError(
        `input.preprocess.color is "${color}" but input.shape has ${c} channels; ${color} needs ${wanted}`,
      );
    }
    this.channels = wanted;
    this.height = h;
    this.width = w;
    this.size = c * h * w;
    this.color = color;
    this.fit = fit;
    this.invert = invert;
    this.mean = perChannel("mean", spec.preprocess.mean, c, 0);
    const std = perChannel("std", spec.preprocess.std, c, 1);
    for (const s of std) {
      if (!(s > 0) || !Number.isFinite(s)) {
        throw new PreprocessConfigError(`input.preprocess.std has ${s}; every entry must be > 0`);
      }
    }
    this.inverseStd = std.map((s) => 1 / s);

    this.maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    if (!Number.isInteger(this.maxPixels) || this.maxPixels <= 0) {
      throw new PreprocessConfigError(
        `maxPixels is ${this.maxPixels}; it must be a positive integer`,
      );
    }
    this.fill = options.letterboxFill ?? 0;
    if (!Number.isFinite(this.fill)) {
      throw new PreprocessConfigError(`letterboxFill is ${this.fill}; it must be a finite number`);
    }
    const range = options.floatRange ?? [0, 1];
    if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[1] > range[0])) {
      throw new PreprocessConfigError(
        `floatRange is [${range.join(", ")}]; it must be two finite numbers, low < high`,
      );
    }
    this.reader = new RowReader(range);
    this.tensor = new Float32Array(this.size);
  }

  /**
   * sensor_msgs/Image → tensor. Throws ImageError (with a countable `reason`) for frames that
   * cannot be read. The result is `out` when given, else a buffer this preprocessor reuses on
   * the next call (copy it, or pass your own `out`, to keep it).
   */
  fromRaw(image: RawPixels, frame = "frame", out?: Float32Array): Float32Array {
    const format = this.validate(image, frame);
    const target = this.target(out);
    const geometry = this.geometryFor(image.width, image.height);
    this.reader.begin(image, format);
    try {
      this.resample(geometry, target);
    } finally {
      this.reader.end();
    }
    this.finish(geometry.placement, target);
    return target;
  }

  /** sensor_msgs/CompressedImage (jpeg, png) → tensor; see fromRaw. */
  async fromCompressed(
    message: CompressedPixels,
    frame = "frame",
    out?: Float32Array,
  ): Promise<Float32Array> {
    const image = await decodeCompressed(message, frame, this.maxPixels);
    return this.fromRaw(image, frame, out);
  }

  /** Check a frame's header against its data; returns its pixel format. */
  validate(image: RawPixels, frame = "frame"): PixelFormat {
    const { width, height, step } = image;
    if (!isCount(width) || !isCount(height) || !isCount(step)) {
      throw new ImageError(
        "invalid_header",
        frame,
        `width ${width}, height ${height} and step ${step} must be non-negative integers`,
      );
    }
    if (!(image.data instanceof Uint8Array)) {
      throw new ImageError("invalid_header", frame, "data is not a byte array");
    }
    if (width === 0 || height === 0) {
      throw new ImageError("zero_size", frame, `image is ${width} × ${height}; it has no pixels`);
    }
    if (width * height > this.maxPixels) {
      throw new ImageError(
        "too_large",
        frame,
        `image is ${width} × ${height} = ${width * height} pixels, beyond the limit of ${this.maxPixels}; raise the limit or publish smaller frames`,
      );
    }
    const format = parseEncoding(String(image.encoding));
    if (typeof format === "string") {
      throw new ImageError("unsupported_encoding", frame, format);
    }
    if (format.layout.kind === "yuv422" && width % 2 !== 0) {
      throw new ImageError(
        "odd_width",
        frame,
        `encoding "${format.encoding}" packs pixels in pairs, but width is ${width} (odd)`,
      );
    }
    const rowBytes = width * format.bytesPerPixel;
    if (step < rowBytes) {
      throw new ImageError(
        "step_too_small",
        frame,
        `step is ${step} bytes, but ${width} pixels of ${format.encoding} need ${rowBytes}; the publisher's step or encoding is wrong`,
      );
    }
    const needed = step * height;
    if (image.data.length < needed) {
      throw new ImageError(
        "data_too_short",
        frame,
        `data has ${image.data.length} bytes, but step ${step} × height ${height} needs ${needed}; the frame was truncated`,
      );
    }
    return format;
  }

  private target(out: Float32Array | undefined): Float32Array {
    if (out === undefined) return this.tensor;
    if (out.length !== this.size) {
      throw new RangeError(`out has ${out.length} values; the tensor needs ${this.size}`);
    }
    return out;
  }

  private geometryFor(sourceWidth: number, sourceHeight: number): Geometry {
    const g = this.geometry;
    if (g && g.sourceWidth === sourceWidth && g.sourceHeight === sourceHeight) return g;
    const placement = place(this.fit, sourceWidth, sourceHeight, this.width, this.height);
    const x = axisWeights(
      sourceWidth,
      placement.sourceX,
      placement.sourceWidth,
      placement.outWidth,
    );
    const y = axisWeights(
      sourceHeight,
      placement.sourceY,
      placement.sourceHeight,
      placement.outHeight,
    );
    const c = this.channels;
    const rowValues = (x.max - x.min) * c;
    if (this.row.length < rowValues) this.row = new Float32Array(rowValues);
    const rowsValues = (y.max - y.min) * placement.outWidth * c;
    if (this.rows.length < rowsValues) this.rows = new Float32Array(rowsValues);
    this.geometry = { sourceWidth, sourceHeight, placement, x, y };
    return this.geometry;
  }

  /** Read the source rows the output needs, shrink them horizontally, then vertically. */
  private resample(geometry: Geometry, out: Float32Array): void {
    const { placement, x, y } = geometry;
    const c = this.channels;
    const outWidth = placement.outWidth;
    const row = this.row;
    const rows = this.rows;
    const rowValues = outWidth * c;
    for (let sy = y.min; sy < y.max; sy++) {
      this.reader.readRow(sy, x.min, x.max, row, c);
      const base = (sy - y.min) * rowValues;
      for (let ox = 0; ox < outWidth; ox++) {
        const first = (x.start[ox] - x.min) * c;
        const n = x.count[ox];
        const w = ox * x.stride;
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let k = 0; k < n; k++) acc += x.weights[w + k] * row[first + k * c + ch];
          rows[base + ox * c + ch] = acc;
        }
      }
    }
    const plane = this.height * this.width;
    for (let oy = 0; oy < placement.outHeight; oy++) {
      const first = y.start[oy] - y.min;
      const n = y.count[oy];
      const w = oy * y.stride;
      const outRow = (placement.outY + oy) * this.width + placement.outX;
      for (let ox = 0; ox < outWidth; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          let p = first * rowValues + ox * c + ch;
          for (let k = 0; k < n; k++, p += rowValues) acc += y.weights[w + k] * rows[p];
          out[ch * plane + outRow + ox] = acc;
        }
      }
    }
  }

  /** Invert, fill letterbox bars, normalise. */
  private finish(placement: Placement, out: Float32Array): void {
    const { outX, outY, outWidth, outHeight } = placement;
    const plane = this.height * this.width;
    const invert = this.invert;
    for (let ch = 0; ch < this.channels; ch++) {
      const mean = this.mean[ch];
      const scale = this.inverseStd[ch];
      const fill = (this.fill - mean) * scale;
      for (let yy = 0; yy < this.height; yy++) {
        const inside = yy >= outY && yy < outY + outHeight;
        const rowStart = ch * plane + yy * this.width;
        for (let xx = 0; xx < this.width; xx++) {
          const i = rowStart + xx;
          if (inside && xx >= outX && xx < outX + outWidth) {
            const v = invert ? 1 - out[i] : out[i];
            out[i] = (v - mean) * scale;
          } else {
            out[i] = fill;
          }
        }
      }
    }
  }
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function perChannel(
  name: string,
  values: readonly number[] | undefined,
  channels: number,
  fallback: number,
): Float64Array {
  if (values === undefined) return new Float64Array(channels).fill(fallback);
  if (values.length === 1) return new Float64Array(channels).fill(values[0]);
  if (values.length !== channels) {
    throw new PreprocessConfigError(
      `input.preprocess.${name} has ${values.length} entries; give 1 or ${channels} (one per channel)`,
    );
  }
  return Float64Array.from(values);
}
