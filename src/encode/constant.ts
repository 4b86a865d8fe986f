import type { InputEncoder } from "./types.js";

/**
 * Constant current J = gain·x + bias, held for the whole presentation (Hunsberger &
 * Eliasmith's test-time input: the pixel is the current, no input spikes).
 */
export class ConstantEncoder implements InputEncoder {
  readonly kind = "constant";
  readonly constant = true;
  private readonly current: Float32Array;

  constructor(
    readonly size: number,
    readonly gain = 1,
    readonly bias = 0,
  ) {
    checkSize(size);
    if (!Number.isFinite(gain) || !Number.isFinite(bias)) {
      throw new RangeError(`constant encoder: gain ${gain} and bias ${bias} must be finite`);
    }
    this.current = new Float32Array(size);
  }

  present(frame: ArrayLike<number>): void {
    checkFrame(frame, this.size);
    const { gain, bias, current } = this;
    for (let i = 0; i < current.length; i++) current[i] = gain * frame[i] + bias;
  }

  tick(): Float32Array {
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
