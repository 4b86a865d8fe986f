/**
 * What the first layer receives per tick, as the model's encoder dictates. Frame encoders
 * (constant, poisson, delta) deliver the whole [C, H, W] image every tick; sequence encoders
 * (rows, pixel_windows) deliver a slice of it per tick, so the sequence defines the
 * presentation's length. src/encode implements the encoders; this file only says their sizes,
 * so the engine can size layers and validate a model without importing src/encode.
 */
import type { Encoder, ModelSpec } from "./model-spec.js";
import type { Shape } from "./spec-parts.js";

export type SequenceEncoder = Extract<Encoder, { type: "rows" | "pixel_windows" }>;

/** True for encoders whose ticks carry different slices of the image (rows, pixel_windows). */
export function isSequenceEncoder(encoder: Encoder): encoder is SequenceEncoder {
  return encoder.type === "rows" || encoder.type === "pixel_windows";
}

/**
 * Shape of the vector the first layer receives each tick: [C, H, W] for frame encoders,
 * [C·W] for rows (channel-major within the row), [window] for pixel_windows; with `spikes`
 * (level-crossing events) 2·levels lines per value.
 */
export function encodedInputShape(
  encoder: Encoder,
  inputShape: readonly [number, number, number],
): Shape {
  const [c, h, w] = inputShape;
  switch (encoder.type) {
    case "rows":
      return [c * w * eventLines(encoder)];
    case "pixel_windows":
      return [encoder.window * eventLines(encoder)];
    default:
      return [c, h, w];
  }
}

/** Input lines per value of a sequence encoder: 1 (a current) or 2·levels (ON/OFF events). */
export function eventLines(encoder: SequenceEncoder): number {
  return encoder.spikes ? 2 * encoder.spikes.levels : 1;
}

/** Values per tick the first layer receives under the model's encoder. */
export function encodedInputSize(spec: ModelSpec): number {
  return encodedInputShape(spec.input.encoder, spec.input.shape).reduce((a, b) => a * b, 1);
}

/**
 * Ticks one image takes under a sequence encoder (rows: H·ticks_per_row; pixel_windows:
 * ceil(C·H·W / stride)), or null for frame encoders, whose presentation length is free.
 */
export function sequenceLength(
  encoder: Encoder,
  inputShape: readonly [number, number, number],
): number | null {
  const [c, h, w] = inputShape;
  if (encoder.type === "rows") return h * encoder.ticks_per_row;
  if (encoder.type === "pixel_windows") return Math.ceil((c * h * w) / encoder.stride);
  return null;
}
