/**
 * Sequence datasets. A sample is a Float32Array of T × inputSize values, time-major (step t's
 * inputs at [t·inputSize, (t+1)·inputSize)), with either one label per sample (scored at every
 * step from `readout.start` on) or one label per step (−1 = step not scored). Any task can train
 * with the sequence trainer by providing a SequenceSet.
 */
import { createEncoder, encodeSequence, type InputEncoder } from "../../encode/index.js";
import type { Encoder } from "../../snn/model-spec.js";
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

/**
 * The model file's input encoder for a sequence encoding: pixels in [0, 1] enter unscaled
 * (gain 1, bias 0), one row or one window per tick; with `spikes`, as level-crossing events of
 * amplitude 1 (the weights carry the scale).
 */
export function sequenceEncoderSpec(encoding: SequenceEncoding): Encoder {
  const spikes = encoding.spikes
    ? { spikes: { levels: encoding.spikes.levels, amplitude: 1 } }
    : {};
  return encoding.type === "rows"
    ? { type: "rows", gain: 1, bias: 0, ticks_per_row: 1, ...spikes }
    : {
        type: "pixel_windows",
        window: encoding.window,
        stride: encoding.stride,
        gain: 1,
        bias: 0,
        ...spikes,
      };
}

/** The engine's encoder for images of `shape` under a sequence encoding. */
export function sequenceEncoder(
  shape: [number, number, number],
  encoding: SequenceEncoding,
): InputEncoder {
  // dt only matters to rate encoders; sequence encoders ignore it.
  return createEncoder(sequenceEncoderSpec(encoding), shape, 0.001);
}

/** Steps and inputs per step of an image of shape [C, H, W] under an encoding. */
export function sequenceShape(
  shape: [number, number, number],
  encoding: SequenceEncoding,
): { steps: number; inputSize: number } {
  const encoder = sequenceEncoder(shape, encoding);
  return { steps: encoder.steps as number, inputSize: encoder.outputSize };
}

/**
 * An image set seen as sequences: each image (bytes HWC → CHW floats x/255, as evaluation
 * feeds the engine) goes through the engine's own encoder (src/encode), so training sees
 * exactly the per-tick vectors the engine receives at inference (rounded to float32).
 */
export function imageSequences(set: ImageSet, encoding: SequenceEncoding): SequenceSet {
  const [c, h, w] = set.shape;
  const size = c * h * w;
  const encoder = sequenceEncoder(set.shape, encoding);
  const steps = encoder.steps as number;
  const inputSize = encoder.outputSize;
  const chw = new Float64Array(size);
  return {
    name: `${set.name}:${encoding.type}`,
    count: set.count,
    steps,
    inputSize,
    classes: set.classes,
    labelMode: "sample",
    fill(index, out, offset) {
      const src = index * size;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++)
            chw[(ch * h + y) * w + x] = set.pixels[src + (y * w + x) * c + ch] / 255;
      encodeSequence(encoder, chw, steps, out.subarray(offset, offset + steps * inputSize));
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
