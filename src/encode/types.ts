/**
 * An input encoder turns the preprocessed frame (the model's input tensor) into the input
 * current of every input element, tick by tick. Used as:
 *
 *   encoder.present(tensor);                       // once per frame
 *   for (let t = 0; t < T; t++) network.tick(encoder.tick(), encoder.constant);
 *
 * No allocation per tick: tick() returns a buffer the encoder owns and overwrites.
 */
export interface InputEncoder {
  readonly kind: "constant" | "poisson" | "delta";
  /** Input elements (C × H × W). */
  readonly size: number;
  /**
   * True when every tick of a presentation carries the same current, so the engine may compute
   * the first layer's synaptic current once per frame (network.tick's `constant` argument).
   */
  readonly constant: boolean;
  /** Start presenting a frame; the frame is read now and may be reused by the caller after. */
  present(frame: ArrayLike<number>): void;
  /** Input current for the next tick of the presentation. */
  tick(): Float32Array | Float64Array;
  /** Forget all state: the Poisson stream restarts from its seed, delta forgets its reference. */
  reset(): void;
}
