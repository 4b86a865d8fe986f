/**
 * Input encoders: the model's `input.encoder` section → an InputEncoder.
 *
 *   const encoder = createEncoder(model.input.encoder, inputSize, model.dt);
 */
import type { Encoder, ModelSpec } from "../snn/model-spec.js";
import { ConstantEncoder } from "./constant.js";
import { DeltaEncoder } from "./delta.js";
import { PoissonEncoder } from "./poisson.js";
import type { InputEncoder } from "./types.js";

export type { InputEncoder } from "./types.js";
export { ConstantEncoder } from "./constant.js";
export { PoissonEncoder } from "./poisson.js";
export { DeltaEncoder } from "./delta.js";
export { Rng } from "./rng.js";

export function createEncoder(spec: Encoder, size: number, dt: number): InputEncoder {
  switch (spec.type) {
    case "constant":
      return new ConstantEncoder(size, spec.gain, spec.bias);
    case "poisson":
      return new PoissonEncoder(size, dt, spec.max_rate, spec.amplitude, spec.seed);
    case "delta":
      return new DeltaEncoder(size, dt, spec.threshold, spec.amplitude, spec.epsilon);
  }
}

/** The encoder a model file asks for, sized to its input shape. */
export function encoderForModel(spec: ModelSpec): InputEncoder {
  const [c, h, w] = spec.input.shape;
  return createEncoder(spec.input.encoder, c * h * w, spec.dt);
}
