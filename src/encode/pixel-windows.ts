import { checkFrame, checkSize } from "./constant.js";
import type { InputEncoder } from "./types.js";

/**
 * Sequence encoder in Yin et al.'s S-MNIST form: the channels-first flattened image (N = C·H·W
 * pixels) is read `window` consecutive pixels at a time, moving `stride` pixels per tick. Tick k
 * carries pixels [k·stride, k·stride + window) as J = gain·x + bias, pixels past the end of the
 * image reading as x = 0 (so they carry `bias`). An image takes ceil(N / stride) ticks (784 for
 * a 28×28 image with stride 1: every pixel starts one window); later ticks carry zeros.
 *
 * present() encodes the padded image once; tick() returns a view into it (no copy, no allocation).
 */
export class PixelWindowsEncoder implements InputEncoder {
  readonly kind = "pixel_windows";
  readonly carriesState = false;
  readonly constant = false;
  readonly analog = true;
  /** Values per tick: the window. */
  readonly outputSize: number;
  /** Ticks per image, ceil(size / stride). */
  readonly steps: number;
  private readonly padded: Float64Array;
  private readonly windows: Float64Array[];
  private readonly silence: Float64Array;
  private t = 0;

  constructor(
    /** Pixels per frame, C·H·W. */
    readonly size: number,
    readonly window = 4,
    readonly stride = 1,
    readonly gain = 1,
    readonly bias = 0,
  ) {
    checkSize(size);
    for (const [name, v] of [
      ["window", window],
      ["stride", stride],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(
          `pixel_windows encoder: ${name} is ${v}; it must be a positive integer`,
        );
      }
    }
    if (window > size) {
      throw new RangeError(
        `pixel_windows encoder: window ${window} is larger than the image (${size} pixels)`,
      );
    }
    if (!Number.isFinite(gain) || !Number.isFinite(bias)) {
      throw new RangeError(`pixel_windows encoder: gain ${gain} and bias ${bias} must be finite`);
    }
    this.outputSize = window;
    this.steps = Math.ceil(size / stride);
    this.padded = new Float64Array((this.steps - 1) * stride + window);
    this.windows = Array.from({ length: this.steps }, (_, k) =>
      this.padded.subarray(k * stride, k * stride + window),
    );
    this.silence = new Float64Array(window);
  }

  present(frame: ArrayLike<number>): void {
    checkFrame(frame, this.size);
    const { gain, bias, padded, size } = this;
    for (let i = 0; i < size; i++) padded[i] = gain * frame[i] + bias;
    padded.fill(bias, size);
    this.t = 0;
  }

  tick(): Float64Array {
    const t = this.t++;
    return t < this.steps ? this.windows[t] : this.silence;
  }

  reset(): void {
    this.t = 0;
    this.padded.fill(0);
  }
}
