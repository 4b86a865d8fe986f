/**
 * A labelled image set recorded as if a camera had filmed it: each small grayscale image scaled
 * (bilinear) to the frame height, centred on a black frame of camera size, stamped at a fixed
 * frame rate, written as a rosbag2 MCAP bag with a labels file beside the frames. This is what
 * `spikenode sample-bag` makes and `npm start` replays.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { codecFor } from "../messages/index.js";
import type { ChunkCompression } from "./compression.js";
import { McapBagWriter, type BagWriteSummary } from "./mcap-writer.js";
import { RECORDED_RELIABLE_QOS } from "./qos.js";
import { nanosecondsToStamp } from "./time.js";

export type SampleEncoding = "rgb8" | "mono8" | "jpeg";

/** Grayscale images, one after another (count × height × width bytes), with their labels. */
export interface LabelledImages {
  name: string;
  count: number;
  width: number;
  height: number;
  pixels: Uint8Array;
  labels: Uint8Array;
  classes: string[];
}

export interface CameraSampleOptions {
  /** A bag directory, or a path ending in ".mcap". */
  out: string;
  /** Frames to write (the first `count` images); default all. */
  count?: number;
  fps?: number;
  width?: number;
  height?: number;
  encoding?: SampleEncoding;
  /** Stamp of the first frame, ns since the epoch; default 1 700 000 000 s (fixed, so output is reproducible). */
  startTime?: bigint;
  frameId?: string;
  compression?: ChunkCompression;
  /** JPEG encoder for `encoding: "jpeg"` (rgb8 pixels in, JPEG bytes out). */
  encodeJpeg?: (rgb: Uint8Array, width: number, height: number) => Promise<Uint8Array>;
  /** Replace an existing output directory's bag. */
  overwrite?: boolean;
}

export interface CameraSampleResult {
  bag: BagWriteSummary;
  labelsFile: string;
  topic: string;
}

export const SAMPLE_START_TIME = 1_700_000_000_000_000_000n;

/**
 * Linear interpolation weights of one axis, pixel centres aligned: output pixel o samples source
 * coordinate (o + 0.5) · src/dst − 0.5, clamped to the edges.
 */
function axis(src: number, dst: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const w = new Float32Array(dst);
  const scale = src / dst;
  for (let o = 0; o < dst; o++) {
    const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), src - 1);
    const a = Math.floor(x);
    i0[o] = a;
    i1[o] = Math.min(a + 1, src - 1);
    w[o] = x - a;
  }
  return { i0, i1, w };
}

/** Renders frames into reused buffers: the image scaled to the frame height, centred, black around. */
export class FrameRenderer {
  readonly gray: Uint8Array;
  readonly rgb: Uint8Array;
  private readonly side: number;
  private readonly left: number;
  private readonly xs: ReturnType<typeof axis>;
  private readonly ys: ReturnType<typeof axis>;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    readonly width: number,
    readonly height: number,
  ) {
    // Keep the source aspect; fill the frame height (centre-crop models then see the whole object).
    this.side = height;
    const scaledWidth = Math.min(width, Math.round((height * srcWidth) / srcHeight));
    this.left = Math.floor((width - scaledWidth) / 2);
    this.xs = axis(srcWidth, scaledWidth);
    this.ys = axis(srcHeight, this.side);
    this.gray = new Uint8Array(width * height);
    this.rgb = new Uint8Array(width * height * 3);
  }

  /** Renders image `src` (srcHeight × srcWidth bytes) into `gray` and returns it. */
  renderGray(src: Uint8Array): Uint8Array {
    const { gray, width, left, srcWidth } = this;
    const { i0: x0, i1: x1, w: wx } = this.xs;
    const { i0: y0, i1: y1, w: wy } = this.ys;
    for (let y = 0; y < this.side; y++) {
      const r0 = y0[y] * srcWidth;
      const r1 = y1[y] * srcWidth;
      const fy = wy[y];
      const row = y * width + left;
      for (let x = 0; x < x0.length; x++) {
        const fx = wx[x];
        const top = src[r0 + x0[x]] * (1 - fx) + src[r0 + x1[x]] * fx;
        const bottom = src[r1 + x0[x]] * (1 - fx) + src[r1 + x1[x]] * fx;
        gray[row + x] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
    return gray;
  }

  /** The gray frame as rgb8 (a camera's colour stream of a gray scene). */
  renderRgb(src: Uint8Array): Uint8Array {
    const gray = this.renderGray(src);
    const rgb = this.rgb;
    for (let i = 0, j = 0; i < gray.length; i++, j += 3) {
      rgb[j] = rgb[j + 1] = rgb[j + 2] = gray[i];
    }
    return rgb;
  }
}

export async function writeCameraSample(
  images: LabelledImages,
  options: CameraSampleOptions,
): Promise<CameraSampleResult> {
  const count = Math.min(options.count ?? images.count, images.count);
  const fps = options.fps ?? 30;
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const encoding = options.encoding ?? "rgb8";
  const frameId = options.frameId ?? "camera_optical_frame";
  const start = options.startTime ?? SAMPLE_START_TIME;
  if (!(fps > 0)) throw new RangeError(`fps ${fps} must be positive`);
  if (encoding === "jpeg" && !options.encodeJpeg)
    throw new Error("encoding jpeg needs an encodeJpeg function");
  const compressed = encoding === "jpeg";
  const topic = compressed ? "/camera/image_raw/compressed" : "/camera/image_raw";
  const type = compressed ? "sensor_msgs/msg/CompressedImage" : "sensor_msgs/msg/Image";

  const renderer = new FrameRenderer(images.width, images.height, width, height);
  const imageSize = images.width * images.height;
  const out = await McapBagWriter.create(options.out, {
    compression: options.compression ?? "zstd",
    zstdLevel: 19,
    overwrite: options.overwrite,
  });
  await out.addTopic({ name: topic, type, qos: [RECORDED_RELIABLE_QOS] });
  const imageCodec = codecFor("sensor_msgs/msg/Image");
  const compressedCodec = codecFor("sensor_msgs/msg/CompressedImage");
  for (let i = 0; i < count; i++) {
    // Stamps from the frame index (not summed periods), so 30 fps lands on whole 100 ms every 3 frames.
    const t = start + BigInt(Math.round((i * 1e9) / fps));
    const header = { stamp: nanosecondsToStamp(t), frame_id: frameId };
    const src = images.pixels.subarray(i * imageSize, (i + 1) * imageSize);
    let data: Uint8Array;
    if (encoding === "mono8") {
      data = imageCodec.encode({
        header,
        height,
        width,
        encoding,
        is_bigendian: 0,
        step: width,
        data: renderer.renderGray(src),
      });
    } else if (encoding === "rgb8") {
      data = imageCodec.encode({
        header,
        height,
        width,
        encoding,
        is_bigendian: 0,
        step: width * 3,
        data: renderer.renderRgb(src),
      });
    } else {
      const jpeg = await options.encodeJpeg!(renderer.renderRgb(src), width, height);
      data = compressedCodec.encode({ header, format: "rgb8; jpeg compressed bgr8", data: jpeg });
    }
    // Awaited for back-pressure: frames are large and the writer queues what it is handed.
    await out.write(topic, data, t, t);
  }
  const bag = await out.close();
  const labelsFile = options.out.endsWith(".mcap")
    ? `${options.out}.labels.json`
    : join(options.out, "labels.json");
  await writeFile(
    labelsFile,
    labelsJson({
      topic,
      dataset: images.name,
      classes: images.classes,
      labels: Array.from(images.labels.subarray(0, count)),
    }),
  );
  return { bag, labelsFile, topic };
}

const WIDTH = 100; // the repository's prettier printWidth

/** A JSON array as prettier prints it: on the key's line when it fits, else one item per line, numbers filled. */
function jsonArray(key: string, items: (string | number)[], last: boolean): string[] {
  const end = last ? "" : ",";
  const parts = items.map((v) => JSON.stringify(v));
  const oneLine = `  "${key}": [${parts.join(", ")}]${end}`;
  if (oneLine.length <= WIDTH) return [oneLine];
  const lines = [`  "${key}": [`];
  if (typeof items[0] === "number") {
    let line = "";
    parts.forEach((part, i) => {
      const piece = i === parts.length - 1 ? part : `${part},`;
      if (line !== "" && `${line} ${piece}`.length > WIDTH) {
        lines.push(line);
        line = "";
      }
      line = line === "" ? `    ${piece}` : `${line} ${piece}`;
    });
    lines.push(line);
  } else {
    parts.forEach((part, i) => lines.push(`    ${part}${i === parts.length - 1 ? "" : ","}`));
  }
  lines.push(`  ]${end}`);
  return lines;
}

/** Records as prettier prints an array of flat objects: one per line where it fits, else one key per line. */
function jsonRecords(key: string, items: Record<string, number>[], last: boolean): string[] {
  const end = last ? "" : ",";
  const inline = (o: Record<string, number>) =>
    `{ ${Object.entries(o)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(", ")} }`;
  const oneLine = `  "${key}": [${items.map(inline).join(", ")}]${end}`;
  if (oneLine.length <= WIDTH) return [oneLine];
  const lines = [`  "${key}": [`];
  items.forEach((o, i) => {
    const comma = i === items.length - 1 ? "" : ",";
    const line = `    ${inline(o)}${comma}`;
    if (line.length <= WIDTH) {
      lines.push(line);
    } else {
      const entries = Object.entries(o);
      lines.push("    {");
      entries.forEach(([k, v], j) =>
        lines.push(
          `      ${JSON.stringify(k)}: ${JSON.stringify(v)}${j === entries.length - 1 ? "" : ","}`,
        ),
      );
      lines.push(`    }${comma}`);
    }
  });
  lines.push(`  ]${end}`);
  return lines;
}

/** The labels file, formatted as the repository's prettier would (it is committed with the sample). */
export function labelsJson(l: {
  topic: string;
  dataset: string;
  classes: string[];
  labels: number[];
  clips?: Record<string, number>[];
}): string {
  const clips = l.clips !== undefined && l.clips.length > 0 ? l.clips : undefined;
  return [
    "{",
    `  "topic": ${JSON.stringify(l.topic)},`,
    `  "dataset": ${JSON.stringify(l.dataset)},`,
    ...jsonArray("classes", l.classes, false),
    ...jsonArray("labels", l.labels, clips === undefined),
    ...(clips ? jsonRecords("clips", clips, true) : []),
    "}",
    "",
  ].join("\n");
}

/** Frames rendered on demand (gray, width × height bytes each), with a class per frame. */
export interface GrayFrameSource {
  name: string;
  count: number;
  width: number;
  height: number;
  /** Writes frame i into out (width × height bytes) and returns it. */
  render(i: number, out: Uint8Array): Uint8Array;
  labels: ArrayLike<number>;
  classes: string[];
  /** Extra per-segment records for the labels file (e.g. the clips of a moving-object task). */
  clips?: Record<string, number>[];
}

export interface UpscaledSampleOptions {
  /** A bag directory, or a path ending in ".mcap". */
  out: string;
  /** Each source pixel becomes a scale × scale block (nearest neighbour). */
  scale?: number;
  fps?: number;
  startTime?: bigint;
  frameId?: string;
  compression?: ChunkCompression;
  overwrite?: boolean;
}

/**
 * Nearest-neighbour enlargement by a whole factor. Shrunk back by the image preprocessor's area
 * average, every block gives back its source value exactly, so a model whose input is the source
 * size sees the pixels it was trained on.
 */
export function upscaleNearest(
  src: Uint8Array,
  width: number,
  height: number,
  scale: number,
  out: Uint8Array,
): Uint8Array {
  const ow = width * scale;
  for (let y = 0; y < height; y++) {
    const row = y * scale * ow;
    for (let x = 0; x < width; x++)
      out.fill(src[y * width + x], row + x * scale, row + (x + 1) * scale);
    for (let k = 1; k < scale; k++) out.copyWithin(row + k * ow, row, row + ow);
  }
  return out;
}

/**
 * Records rendered gray frames as a mono8 camera stream (`/camera/image_raw`), each enlarged by
 * a whole factor, with the labels file beside it. mono8, because the preprocessor reads it as
 * byte · 1/255 with no colour conversion: the model's tensor is exactly the rendered frame's.
 */
export async function writeUpscaledSample(
  frames: GrayFrameSource,
  options: UpscaledSampleOptions,
): Promise<CameraSampleResult> {
  const scale = options.scale ?? 3;
  const fps = options.fps ?? 30;
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`scale ${scale} must be a whole number >= 1`);
  if (!(fps > 0)) throw new RangeError(`fps ${fps} must be positive`);
  if (frames.labels.length !== frames.count)
    throw new RangeError(
      `${frames.name}: ${frames.labels.length} labels for ${frames.count} frames`,
    );
  const start = options.startTime ?? SAMPLE_START_TIME;
  const frameId = options.frameId ?? "camera_optical_frame";
  const topic = "/camera/image_raw";
  const width = frames.width * scale;
  const height = frames.height * scale;
  const out = await McapBagWriter.create(options.out, {
    compression: options.compression ?? "zstd",
    zstdLevel: 19,
    overwrite: options.overwrite,
  });
  await out.addTopic({ name: topic, type: "sensor_msgs/msg/Image", qos: [RECORDED_RELIABLE_QOS] });
  const codec = codecFor("sensor_msgs/msg/Image");
  const small = new Uint8Array(frames.width * frames.height);
  const big = new Uint8Array(width * height);
  for (let i = 0; i < frames.count; i++) {
    const t = start + BigInt(Math.round((i * 1e9) / fps));
    const data = codec.encode({
      header: { stamp: nanosecondsToStamp(t), frame_id: frameId },
      height,
      width,
      encoding: "mono8",
      is_bigendian: 0,
      step: width,
      data: upscaleNearest(frames.render(i, small), frames.width, frames.height, scale, big),
    });
    await out.write(topic, data, t, t);
  }
  const bag = await out.close();
  const labelsFile = options.out.endsWith(".mcap")
    ? `${options.out}.labels.json`
    : join(options.out, "labels.json");
  await writeFile(
    labelsFile,
    labelsJson({
      topic,
      dataset: frames.name,
      classes: frames.classes,
      labels: Array.from(frames.labels),
      clips: frames.clips,
    }),
  );
  return { bag, labelsFile, topic };
}
