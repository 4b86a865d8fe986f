/**
 * Camera frames into a model whose input is "external" (an imported NIR graph: it takes a value
 * per input element per step, NIR having no encoder). A frame reaches it through a frame
 * encoder: the pipeline's `encoder` option when given (constant, poisson or delta), else the
 * image as a constant current, each step the pixel values in [0, 1] (gray, or RGB for a
 * 3-channel input) after the model's preprocessing (centre crop, resize to its H×W). An input
 * that is not an image (a vector, a 1-D signal, or channels other than 1 or 3, e.g. the two
 * polarity channels of an event-camera network) cannot take a frame, and is refused at load.
 */
import type { Encoder, ModelSpec } from "../snn/model-spec.js";

/** The encoder an external model reads camera frames with when none is asked for. */
export const CAMERA_ENCODER: Encoder = { type: "constant", gain: 1, bias: 0 };

/** Why `spec`'s external input cannot take a camera frame, or null when it can. */
export function externalFrameProblem(spec: ModelSpec, source: string): string | null {
  const [c, h, w] = spec.input.shape;
  const shape = `[${spec.input.shape.join(", ")}]`;
  if (h === 1 || w === 1) {
    return (
      `${source} takes ${c * h * w} values per step (input ${shape}, a vector or a 1-D signal), not an image, ` +
      "so a camera frame cannot feed it. If they are an image's pixels, import it with its image shape: " +
      "spikenode import-nir FILE.nir --out DIR --input-shape C,H,W (e.g. 1,28,28), and run DIR; " +
      "otherwise feed it sequences with spikenode infer --model FILE.nir --sequence --input X.f32"
    );
  }
  if (c !== 1 && c !== 3) {
    return (
      `${source} takes ${c} channels per pixel (input ${shape}), and a camera frame gives 1 (gray) or 3 (RGB), ` +
      "so it cannot feed it (a 2-channel input is usually an event camera's ON/OFF polarities). " +
      "Feed it sequences with spikenode infer --model FILE.nir --sequence --input X.f32"
    );
  }
  return null;
}
