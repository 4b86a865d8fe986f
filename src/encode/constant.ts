import type { InputEncoder } from "./types.js";

/**
 * Constant current J = gain·x + bias, held for the whole presentation (Hunsberger &
 * Eliasmith's test-time input: the pixel is the current, no input spikes).
 */
export class ConstantEncoder implements InputEncoder {
  readonly kind = "constant";
  readonly carriesState = false;
  readonly constant = true;
  readonly analog = true;
  readonly steps = null;
  /** Frame encoder: every tick carries the whole image. */
  get outputSize(): number {
    return this.size;
  }
  // Float64 so the current equals what network.run computes (gain*x + bias in float64): a
  // float32 rounding here can flip a near-threshold neuron and make the pipeline disagree.
  private readonly current: Float64Array;

  constructor(
    readonly size: number,
    readonly gain = 1,
    readonly bias = 0,
  ) {
    checkSize(size);
    if (!Number.isFinite(gain) || !Number.isFinite(bias)) {
      throw new RangeError(`constant encoder: gain ${gain} and bias ${bias} must be finite`);
    }
    this.current = new Float64Array(size);
  }

  present(frame: ArrayLike<number>): void {
    checkFrame(frame, this.size);
    const { gain, bias, current } = this;
    for (let i = 0; i < current.length; i++) current[i] = gain * frame[i] + bias;
  }

  tick(): Float64Array {
    return this.current;
  }

  reset(): void {
    this.current.fill(0);
  }
}

export function checkSize(size: number): void {
  if (!Number.isInteger(size) || size <= 0) {
    throw new RangeError(`encoder size ${size} must be a positive integer (C × H × W)`);
  }
}

export function checkFrame(frame: ArrayLike<number>, size: number): void {
  if (frame.length !== size) {
    throw new RangeError(`encoder: frame has ${frame.length} values, the model input has ${size}`);
  }
}
