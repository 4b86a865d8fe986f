import { checkFrame } from "./constant.js";
import type { InputEncoder } from "./types.js";

type Shape3 = readonly [number, number, number];

/**
 * Sequence encoder: the image is presented one row per tick, top to bottom, each row held
 * `ticksPerRow` ticks. Tick t carries row y = floor(t / ticksPerRow) as C·W currents
 * J = gain·x + bias, channel-major within the row: element c·W + x is pixel (c, y, x) of the
 * channels-first image. After the last row (t ≥ H·ticksPerRow) ticks carry zeros.
 *
 * present() encodes the whole sequence once; tick() returns a view of it, so no tick allocates
 * or copies. Float64, like the constant encoder, so J is exactly what gain·x + bias gives.
 */
export class RowsEncoder implements InputEncoder {
  readonly kind = "rows";
  readonly carriesState = false;
  readonly constant = false;
  readonly analog = true;
  /** Pixels read per frame, C·H·W. */
  readonly size: number;
  /** Values per tick, C·W. */
  readonly outputSize: number;
  /** Ticks per image, H·ticksPerRow. */
  readonly steps: number;
  private readonly sequence: Float64Array;
  private readonly rows: Float64Array[];
  private readonly silence: Float64Array;
  private t = 0;

  constructor(
    readonly shape: Shape3,
    readonly gain = 1,
    readonly bias = 0,
    readonly ticksPerRow = 1,
  ) {
    const [c, h, w] = shape;
    if (![c, h, w].every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(
        `rows encoder: input shape [${shape.join(", ")}] must be three positive integers [C, H, W]`,
      );
    }
    if (!Number.isFinite(gain) || !Number.isFinite(bias)) {
      throw new RangeError(`rows encoder: gain ${gain} and bias ${bias} must be finite`);
    }
    if (!Number.isInteger(ticksPerRow) || ticksPerRow < 1) {
      throw new RangeError(
        `rows encoder: ticks_per_row is ${ticksPerRow}; it must be a positive integer`,
      );
    }
    this.size = c * h * w;
    this.outputSize = c * w;
    this.steps = h * ticksPerRow;
    this.sequence = new Float64Array(this.size);
    this.rows = Array.from({ length: h }, (_, y) =>
      this.sequence.subarray(y * c * w, (y + 1) * c * w),
    );
    this.silence = new Float64Array(c * w);
  }

  present(frame: ArrayLike<number>): void {
    checkFrame(frame, this.size);
    const [c, h, w] = this.shape;
    const { gain, bias, sequence } = this;
    for (let y = 0; y < h; y++) {
      for (let ch = 0; ch < c; ch++) {
        const src = (ch * h + y) * w;
        const dst = (y * c + ch) * w;
        for (let x = 0; x < w; x++) sequence[dst + x] = gain * frame[src + x] + bias;
      }
    }
    this.t = 0;
  }

  tick(): Float64Array {
    const t = this.t++;
    return t < this.steps ? this.rows[Math.floor(t / this.ticksPerRow)] : this.silence;
  }

  reset(): void {
    this.t = 0;
    this.sequence.fill(0);
  }
}
