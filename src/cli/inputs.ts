/**
 * Inputs for the engine-level commands (infer, bench): raw float32 tensors in the model's input
 * shape, or PNG/JPEG images put through the same preprocessing as the node's camera frames
 * (src/image: colour, fit, invert, normalise). Non-finite values are refused, naming the file,
 * the sample and the element; values far outside what the preprocessing can produce are
 * reported, since a tensor scaled 0-255 instead of 0-1 classifies confidently and wrongly.
 */
import { readFile } from "node:fs/promises";
import type { Model } from "../snn/model.js";
import { UserError } from "./fatal.js";

export interface LoadedInput {
  /** The model's input tensor, channels-first. */
  values: Float32Array;
  /** File it came from, and the sample's position in that file (0 for an image). */
  file: string;
  sample: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/** "png" / "jpeg" when the bytes start like one, else undefined (a raw float32 file). */
export function imageFormatOf(bytes: Uint8Array): "png" | "jpeg" | undefined {
  const starts = (magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(PNG_MAGIC)) return "png";
  if (starts(JPEG_MAGIC)) return "jpeg";
  return undefined;
}

/**
 * Per channel, the interval the model's preprocessing maps pixels into: [0, 1] normalised by
 * input.preprocess mean and std ((x - mean) / std).
 */
export function expectedInputRange(model: Model): { low: number; high: number }[] {
  const { shape, preprocess } = model.spec.input;
  return Array.from({ length: shape[0] }, (_, c) => {
    const mean = preprocess.mean?.[preprocess.mean.length === 1 ? 0 : c] ?? 0;
    const std = preprocess.std?.[preprocess.std.length === 1 ? 0 : c] ?? 1;
    return { low: (0 - mean) / std, high: (1 - mean) / std };
  });
}

/** Throws UserError at the first NaN or ±Infinity, naming file, sample and element index. */
export function checkFinite(input: LoadedInput, option = "--input"): void {
  const v = input.values;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new UserError(
        `${option} ${input.file}: sample ${input.sample}, element ${i} is ${v[i]}; inputs must be finite numbers (the model expects preprocessed pixels, [0, 1] before normalisation)`,
      );
    }
  }
}

/**
 * A sentence when a sample's values lie far outside the model's expected range (beyond it by
 * more than the range's own width), else undefined. Values just outside (a little noise, a
 * letterbox fill) are normal.
 */
export function rangeWarning(input: LoadedInput, model: Model): string | undefined {
  const ranges = expectedInputRange(model);
  const per = input.values.length / ranges.length;
  let min = Infinity;
  let max = -Infinity;
  let far = false;
  for (let c = 0; c < ranges.length; c++) {
    const { low, high } = ranges[c];
    const slack = high - low;
    for (let i = c * per; i < (c + 1) * per; i++) {
      const x = input.values[i];
      if (x < min) min = x;
      if (x > max) max = x;
      if (x < low - slack || x > high + slack) far = true;
    }
  }
  if (!far) return undefined;
  const want = ranges.map((r) => `[${+r.low.toFixed(3)}, ${+r.high.toFixed(3)}]`).join(" / ");
  return `${input.file}: sample ${input.sample} has values in [${+min.toPrecision(4)}, ${+max.toPrecision(4)}], far outside ${want} that the model's encoder expects (pixels in [0, 1]${model.spec.input.preprocess.mean ? ", normalised by input.preprocess mean/std" : ""}); pixels scaled 0-255 need dividing by 255`;
}

/** Reads every file: raw float32 files give N samples, images one each. */
export async function readInputs(
  files: readonly string[],
  model: Model,
  option = "--input",
): Promise<LoadedInput[]> {
  const out: LoadedInput[] = [];
  let preprocessor: import("../image/index.js").ImagePreprocessor | undefined;
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new UserError(`${option} ${file}: cannot be read (${(err as Error).message})`);
    }
    const format = imageFormatOf(bytes);
    if (format !== undefined) {
      const { ImagePreprocessor } = await import("../image/index.js");
      preprocessor ??= new ImagePreprocessor(model.spec.input);
      let tensor: Float32Array;
      try {
        tensor = await preprocessor.fromCompressed({ format, data: bytes }, file);
      } catch (err) {
        throw new UserError(`${option} ${file}: ${(err as Error).message}`);
      }
      out.push({ values: Float32Array.from(tensor), file, sample: 0 });
      continue;
    }
    const per = model.inputSize * 4;
    if (bytes.byteLength === 0 || bytes.byteLength % per !== 0) {
      throw new UserError(
        `${option} ${file}: ${bytes.byteLength} bytes is not a whole number of inputs of shape [${model.inputShape.join(", ")}] (${per} bytes each, float32 little-endian), nor a PNG or JPEG image`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let k = 0; k < bytes.byteLength / per; k++) {
      const values = new Float32Array(model.inputSize);
      for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(k * per + i * 4, true);
      out.push({ values, file, sample: k });
    }
  }
  return out;
}

/** Reads, then refuses non-finite samples and reports far-out ones on stderr. */
export async function readCheckedInputs(
  files: readonly string[],
  model: Model,
  option = "--input",
): Promise<LoadedInput[]> {
  const inputs = await readInputs(files, model, option);
  for (const input of inputs) checkFinite(input, option);
  for (const input of inputs) {
    const warning = rangeWarning(input, model);
    if (warning) process.stderr.write(`spikenode: warning: ${warning}\n`);
  }
  return inputs;
}
