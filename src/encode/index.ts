/**
 * Input encoders: the model's `input.encoder` section → an InputEncoder.
 *
 *   const encoder = encoderForModel(model.spec);             // sized from input.shape
 *   const encoder = createEncoder(spec, [C, H, W], model.dt); // or from parts
 *
 * Frame encoders (constant, poisson, delta) deliver the whole image every tick; sequence
 * encoders (rows, pixel_windows) one slice per tick (encoder.outputSize values, encoder.steps
 * ticks per image), as currents or, with `spikes`, as level-crossing ON/OFF events. encodeSequence() gives a frame's per-tick vectors exactly as the engine
 * receives them, e.g. to build training data.
 */
import type { Encoder, ModelSpec } from "../snn/model-spec.js";
import { ConstantEncoder } from "./constant.js";
import { DeltaEncoder } from "./delta.js";
import { LevelCrossingEncoder } from "./level-crossing.js";
import { PixelWindowsEncoder } from "./pixel-windows.js";
import { PoissonEncoder } from "./poisson.js";
import { RowsEncoder } from "./rows.js";
import type { InputEncoder } from "./types.js";

export type { InputEncoder } from "./types.js";
export { ConstantEncoder } from "./constant.js";
export { PoissonEncoder } from "./poisson.js";
export { DeltaEncoder } from "./delta.js";
export { RowsEncoder } from "./rows.js";
export { PixelWindowsEncoder } from "./pixel-windows.js";
export { Xoshiro128 } from "./xoshiro128.js";
export {
  EventBinner,
  centeredRoi,
  eventBinnerForModel,
  type EventBinnerOptions,
  type EventBinnerStats,
  type EventColumns,
  type Roi,
} from "./event-bins.js";
export { LevelCrossingEncoder } from "./level-crossing.js";

type Shape3 = readonly [number, number, number];

/**
 * An encoder for `spec` reading frames of `input`: the [C, H, W] shape (required by rows), or
 * just the pixel count C·H·W for the other encoders.
 */
export function createEncoder(spec: Encoder, input: number | Shape3, dt: number): InputEncoder {
  const size = typeof input === "number" ? input : input[0] * input[1] * input[2];
  switch (spec.type) {
    case "constant":
      return new ConstantEncoder(size, spec.gain, spec.bias);
    case "poisson":
      return new PoissonEncoder(size, dt, spec.max_rate, spec.amplitude, spec.seed);
    case "delta":
      return new DeltaEncoder(size, dt, spec.threshold, spec.amplitude, spec.epsilon);
    case "rows":
      if (typeof input === "number") {
        throw new RangeError(
          `rows encoder: needs the input shape [C, H, W] to find the rows, got only a size (${input}); pass model.inputShape`,
        );
      }
      return spiked(spec, new RowsEncoder(input, spec.gain, spec.bias, spec.ticks_per_row));
    case "pixel_windows":
      return spiked(
        spec,
        new PixelWindowsEncoder(size, spec.window, spec.stride, spec.gain, spec.bias),
      );
    case "events":
      throw new TypeError(
        "events encoder: it bins event-camera packets, not frames; build it with eventBinnerForModel(spec, sensor, onTick) and feed it EventBatch columns",
      );
    case "external":
      throw new TypeError(
        "external encoder: the caller supplies every tick's input, so frames cannot be encoded; run sequences with runSequence(network, input, steps) from src/snn or `spikenode infer --sequence`",
      );
  }
}

/** A sequence encoder as level-crossing events when its spec asks for `spikes`. */
function spiked(spec: Extract<Encoder, { spikes?: unknown }>, analog: InputEncoder): InputEncoder {
  return spec.spikes
    ? new LevelCrossingEncoder(analog, spec.spikes.levels, spec.spikes.amplitude)
    : analog;
}

/** The encoder a model file asks for, sized to its input shape. */
export function encoderForModel(spec: ModelSpec): InputEncoder {
  return createEncoder(spec.input.encoder, spec.input.shape, spec.dt);
}

/**
 * A frame's per-tick input, exactly as network.tick() receives it (then rounded to float32 when
 * `out` is a Float32Array): `ticks` rows of encoder.outputSize values, tick-major, written into
 * `out` (allocated when omitted). `ticks` defaults to encoder.steps and is required for frame
 * encoders. Resets the encoder first (except delta, which encodes change since the last frame).
 */
export function encodeSequence<T extends Float32Array | Float64Array = Float32Array>(
  encoder: InputEncoder,
  frame: ArrayLike<number>,
  ticks: number | null = encoder.steps,
  out?: T,
): T {
  if (ticks === null || !Number.isInteger(ticks) || ticks < 0) {
    throw new RangeError(
      `encodeSequence: ticks is ${String(ticks)}; give a non-negative integer (the ${encoder.kind} encoder has no sequence length of its own)`,
    );
  }
  const width = encoder.outputSize;
  const target = out ?? (new Float32Array(ticks * width) as T);
  if (target.length !== ticks * width) {
    throw new RangeError(
      `encodeSequence: out has ${target.length} values, ${ticks} ticks × ${width} need ${ticks * width}`,
    );
  }
  if (!encoder.carriesState) encoder.reset();
  encoder.present(frame);
  for (let t = 0; t < ticks; t++) target.set(encoder.tick(), t * width);
  return target;
}
