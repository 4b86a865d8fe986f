/**
 * Sequence datasets. A sample is a Float32Array of T × inputSize values, time-major (step t's
 * inputs at [t·inputSize, (t+1)·inputSize)), with either one label per sample (scored at every
 * step from `readout.start` on) or one label per step (−1 = step not scored). Any task can train
 * with the sequence trainer by providing a SequenceSet.
 */
import type { ImageSet } from "../datasets/types.js";
import type { SequenceEncoding } from "./config.js";

export interface SequenceSet {
  name: string;
  count: number;
  /** T: steps per sample. */
  steps: number;
  /** Inputs per step. */
  inputSize: number;
  classes: string[];
  /** "sample": one label per sample; "step": T labels per sample, −1 where a step is not scored. */
  labelMode: "sample" | "step";
  /** Writes sample `index` (T × inputSize, time-major) into `out` at `offset`. */
  fill(index: number, out: Float32Array, offset: number): void;
  /** Writes the label (1 value) or the per-step labels (T values) of `index` into `out` at `offset`. */
  fillLabels(index: number, out: Int32Array, offset: number): void;
}

/** Labels per sample in a batch buffer: 1 or T. */
export function labelWidth(set: Pick<SequenceSet, "labelMode" | "steps">): number {
  return set.labelMode === "step" ? set.steps : 1;
}

/** Steps and inputs per step of an image of shape [C, H, W] under an encoding. */
export function sequenceShape(
  shape: [number, number, number],
  encoding: SequenceEncoding,
): { steps: number; inputSize: number } {
  const [c, h, w] = shape;
  if (encoding.type === "rows") return { steps: h, inputSize: w * c };
  return { steps: Math.ceil((c * h * w) / encoding.stride), inputSize: encoding.window };
}

/**
 * Image (CHW, values in [0, 1]) → sequence, exactly as the engine's input encoder presents it:
 * rows: step t is row t (channels-first within the row); pixel_windows: step t holds the
 * `window` pixels of the row-major stream starting at t·stride, zeros past the end.
 */
export function imageToSequence(
  image: Float32Array,
  shape: [number, number, number],
  encoding: SequenceEncoding,
  out: Float32Array,
  offset: number,
): void {
  const [c, h, w] = shape;
  if (encoding.type === "rows") {
    for (let y = 0; y < h; y++)
      for (let ch = 0; ch < c; ch++)
        for (let x = 0; x < w; x++)
          out[offset + y * w * c + ch * w + x] = image[(ch * h + y) * w + x];
    return;
  }
  const n = c * h * w;
  const { steps } = sequenceShape(shape, encoding);
  const win = encoding.window;
  for (let t = 0; t < steps; t++)
    for (let k = 0; k < win; k++) {
      const p = t * encoding.stride + k;
      out[offset + t * win + k] = p < n ? image[p] : 0;
    }
}

/** An image set seen as sequences (pixels scaled to [0, 1]; labels per sample). */
export function imageSequences(set: ImageSet, encoding: SequenceEncoding): SequenceSet {
  const [c, h, w] = set.shape;
  const size = c * h * w;
  const { steps, inputSize } = sequenceShape(set.shape, encoding);
  const chw = new Float32Array(size);
  return {
    name: `${set.name}:${encoding.type}`,
    count: set.count,
    steps,
    inputSize,
    classes: set.classes,
    labelMode: "sample",
    fill(index, out, offset) {
      // ImageSet pixels are HWC bytes; the engine's tensors are CHW floats.
      const src = index * size;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++)
            chw[(ch * h + y) * w + x] = set.pixels[src + (y * w + x) * c + ch] / 255;
      imageToSequence(chw, set.shape, encoding, out, offset);
    },
    fillLabels(index, out, offset) {
      out[offset] = set.labels[index];
    },
  };
}

/** The samples at `indices` of a sequence set, as a view (no copies). */
export function sequenceSubset(
  set: SequenceSet,
  indices: Uint32Array,
  name = set.name,
): SequenceSet {
  return {
    ...set,
    name,
    count: indices.length,
    fill: (i, out, o) => set.fill(indices[i], out, o),
    fillLabels: (i, out, o) => set.fillLabels(indices[i], out, o),
  };
}
