/**
 * An input encoder turns the preprocessed frame (the model's input tensor) into the input
 * current of every input element, tick by tick. Frame encoders (constant, poisson, delta)
 * deliver the whole image every tick; sequence encoders (rows, pixel_windows) a slice of it,
 * the frame becoming a sequence of `steps` ticks. Used as:
 *
 *   encoder.present(tensor);                       // once per frame
 *   for (let t = 0; t < T; t++) network.tick(encoder.tick(), encoder.constant);
 *
 * No allocation per tick: tick() returns a buffer the encoder owns and overwrites.
 */
export interface InputEncoder {
  readonly kind: "constant" | "poisson" | "delta" | "rows" | "pixel_windows";
  /** Pixels present() reads per frame (C × H × W). */
  readonly size: number;
  /**
   * Values tick() returns, i.e. what the first layer receives (the engine's model.encodedSize):
   * `size` for frame encoders, C·W for rows, the window for pixel_windows.
   */
  readonly outputSize: number;
  /**
   * Ticks one frame takes under a sequence encoder (rows, pixel_windows), after which tick()
   * returns zeros; null for frame encoders, which may be ticked for any presentation length.
   */
  readonly steps: number | null;
  /**
   * True when every tick of a presentation carries the same current, so the engine may compute
   * the first layer's synaptic current once per frame (network.tick's `constant` argument).
   */
  readonly constant: boolean;
  /**
   * True when tick() carries real-valued currents (constant, rows, pixel_windows), so the first
   * layer multiplies them (MACs, in src/power's terms); false for spike/event counts (poisson,
   * delta), which the first layer only accumulates.
   */
  readonly analog: boolean;
  /**
   * True when the encoder's state is part of the stream, not of one frame, so a `reset`
   * presentation keeps it: delta encodes the change since the previous frame and keeps its
   * reference; the others start every frame afresh. Callers ask this, never the kind.
   */
  readonly carriesState: boolean;
  /** Start presenting a frame; the frame is read now and may be reused by the caller after. */
  present(frame: ArrayLike<number>): void;
  /** Input current for the next tick of the presentation. */
  tick(): Float32Array | Float64Array;
  /** Forget all state: the Poisson stream restarts from its seed, delta forgets its reference. */
  reset(): void;
}
