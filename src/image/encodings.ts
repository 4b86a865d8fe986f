/**
 * The pixel layouts of sensor_msgs/image_encodings.hpp that we read, as data: the row readers
 * switch on these fields once per row, never per pixel.
 */

export type SampleType = "u8" | "u16" | "f32" | "f64";

export type BayerPattern = "rggb" | "bggr" | "gbrg" | "grbg";

export type PixelLayout =
  /** `channels` samples per pixel; colour ones name where R, G and B sit (alpha is ignored). */
  | { kind: "mono" }
  | { kind: "color"; r: number; g: number; b: number }
  /** 4:2:2 packed luma/chroma, two pixels in four bytes. */
  | { kind: "yuv422"; order: "uyvy" | "yuyv" }
  /** One sample per pixel behind a colour filter array; demosaiced bilinearly. */
  | { kind: "bayer"; pattern: BayerPattern };

export interface PixelFormat {
  /** The encoding as the message named it. */
  encoding: string;
  sample: SampleType;
  bytesPerSample: number;
  /** Samples per pixel (yuv422: 2 bytes per pixel, counted as 2 samples). */
  channels: number;
  bytesPerPixel: number;
  layout: PixelLayout;
}

const SAMPLE_BYTES: Record<SampleType, number> = { u8: 1, u16: 2, f32: 4, f64: 8 };

function format(
  encoding: string,
  sample: SampleType,
  channels: number,
  layout: PixelLayout,
): PixelFormat {
  const bytesPerSample = SAMPLE_BYTES[sample];
  return {
    encoding,
    sample,
    bytesPerSample,
    channels,
    bytesPerPixel: bytesPerSample * channels,
    layout,
  };
}

const RGB: PixelLayout = { kind: "color", r: 0, g: 1, b: 2 };
const BGR: PixelLayout = { kind: "color", r: 2, g: 1, b: 0 };
const MONO: PixelLayout = { kind: "mono" };

const NAMED: Record<string, [SampleType, number, PixelLayout]> = {
  mono8: ["u8", 1, MONO],
  mono16: ["u16", 1, MONO],
  rgb8: ["u8", 3, RGB],
  bgr8: ["u8", 3, BGR],
  rgba8: ["u8", 4, RGB],
  bgra8: ["u8", 4, BGR],
  rgb16: ["u16", 3, RGB],
  bgr16: ["u16", 3, BGR],
  rgba16: ["u16", 4, RGB],
  bgra16: ["u16", 4, BGR],
  uyvy: ["u8", 2, { kind: "yuv422", order: "uyvy" }],
  yuv422: ["u8", 2, { kind: "yuv422", order: "uyvy" }],
  yuyv: ["u8", 2, { kind: "yuv422", order: "yuyv" }],
  yuv422_yuy2: ["u8", 2, { kind: "yuv422", order: "yuyv" }],
};

const KNOWN_BUT_UNREAD = new Set(["nv21", "nv24"]);

const OPENCV_TYPE = /^(8|16|32|64)([USF])C([1-4])$/;

/**
 * The layout of an encoding, or a sentence saying why we cannot read it (so the caller can
 * raise an error that names its frame).
 */
export function parseEncoding(encoding: string): PixelFormat | string {
  const name = encoding.trim();
  const lower = name.toLowerCase();
  // Own keys only: an encoding string like "__proto__" or "constructor" must not reach Object.prototype.
  const named = Object.hasOwn(NAMED, lower) ? NAMED[lower] : undefined;
  if (named) return format(name, named[0], named[1], named[2]);

  const bayer = /^bayer_(rggb|bggr|gbrg|grbg)(8|16)$/.exec(lower);
  if (bayer) {
    return format(name, bayer[2] === "8" ? "u8" : "u16", 1, {
      kind: "bayer",
      pattern: bayer[1] as BayerPattern,
    });
  }

  const cv = OPENCV_TYPE.exec(name.toUpperCase());
  if (cv) {
    const bits = Number(cv[1]);
    const kind = cv[2];
    const channels = Number(cv[3]);
    const sample: SampleType | undefined =
      kind === "U" && bits === 8
        ? "u8"
        : kind === "U" && bits === 16
          ? "u16"
          : kind === "F" && bits === 32
            ? "f32"
            : kind === "F" && bits === 64
              ? "f64"
              : undefined;
    if (!sample) {
      return `encoding "${name}" (${kind === "S" ? "signed" : kind} ${bits}-bit samples) has no intensity meaning we can assume; publish mono8/mono16/32FC1 instead`;
    }
    if (channels === 2) {
      return `encoding "${name}" has 2 channels, which carry no intensity we can assume; publish 1, 3 or 4 channels`;
    }
    // OpenCV's convention (cv_bridge): multi-channel matrices are BGR(A).
    return format(name, sample, channels, channels === 1 ? MONO : BGR);
  }

  if (KNOWN_BUT_UNREAD.has(lower)) {
    return `encoding "${name}" (planar YUV) is not supported; convert it to rgb8 or uyvy upstream (e.g. with image_proc)`;
  }
  return `encoding "${name}" is not supported; use one of mono8, mono16, rgb8, bgr8, rgba8, bgra8, rgb16, bgr16, rgba16, bgra16, 8UC1/3/4, 16UC1/3/4, 32FC1/3/4, 64FC1/3/4, uyvy (yuv422), yuyv (yuv422_yuy2) or bayer_{rggb,bggr,gbrg,grbg}{8,16}`;
}
