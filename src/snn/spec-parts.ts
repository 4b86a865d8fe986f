/**
 * Schema pieces and types shared by the model format (model-spec.ts), the model resolver
 * (model.ts), the encoder shapes (encoding.ts) and the neuron kinds (neurons/): kept apart so
 * that none of them imports another's module and they stay free of import cycles.
 */
import { z } from "zod";

export const positive = z.number().finite().positive();
export const nonNegative = z.number().finite().nonnegative();

/** A run of little-endian float32 values in the weights file. */
export const TensorRef = z.strictObject({
  /** Byte offset into the weights file; a multiple of 4. */
  offset: z.number().int().nonnegative().multipleOf(4),
  /** Row-major shape; the value count is the product. */
  shape: z.array(z.number().int().positive()).min(1),
});
export type TensorRef = z.infer<typeof TensorRef>;

/** Shape of an activation: [C, H, W] for images, [N] once flattened. */
export type Shape = readonly number[];
