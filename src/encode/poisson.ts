import { checkFrame, checkSize } from "./constant.js";
import { Xoshiro128 } from "./xoshiro128.js";
import type { InputEncoder } from "./types.js";

/** Guard against a runaway inversion when rate × dt is huge. */
const MAX_SPIKES_PER_TICK = 1000;

/**
 * Poisson rate coding: pixel x (clamped to [0, 1]) fires as a Poisson process of rate
 * x · maxRate Hz. Each tick draws the exact Poisson count k for the tick's expected count
 * λ = rate · dt (inversion, one uniform draw per firing pixel) and injects k · amplitude / dt,
 * so the mean current is rate · amplitude, as Nengo's spikes of height 1/dt integrate to
 * their rate. Zero-rate pixels draw nothing.
 *
 * Deterministic: the stream depends only on the seed and the frames presented since the last
 * reset(). Calling reset() before each frame makes a frame's spikes independent of what came
 * before (or was dropped).
 */
export class PoissonEncoder implements InputEncoder {
  readonly kind = "poisson";
  readonly carriesState = false;
  readonly constant = false;
  readonly analog = false;
  readonly steps = null;
  /** Frame encoder: every tick carries the whole image. */
  get outputSize(): number {
    return this.size;
  }
  private readonly current: Float32Array;
  /** e^(−λ) per pixel, 1 for silent pixels. */
  private readonly emptyProbability: Float64Array;
  /** λ per pixel. */
  private readonly expected: Float64Array;
  private readonly rng: Xoshiro128;
  private readonly height: number;

  constructor(
    readonly size: number,
    readonly dt: number,
    readonly maxRate: number,
    readonly amplitude = 1,
    readonly seed = 0,
  ) {
    checkSize(size);
    for (const [name, v] of [
      ["dt", dt],
      ["max_rate", maxRate],
      ["amplitude", amplitude],
    ] as const) {
      if (!(v > 0) || !Number.isFinite(v)) {
        throw new RangeError(`poisson encoder: ${name} is ${v}; it must be a positive number`);
      }
    }
    this.current = new Float32Array(size);
    this.emptyProbability = new Float64Array(size).fill(1);
    this.expected = new Float64Array(size);
    this.rng = new Xoshiro128(seed);
    this.height = amplitude / dt;
  }

  present(frame: ArrayLike<number>): void {
    checkFrame(frame, this.size);
    const scale = this.maxRate * this.dt;
    for (let i = 0; i < this.size; i++) {
      const x = frame[i];
      // NaN and negative pixels are silent; above 1 fires at max_rate.
      const lambda = (x > 0 ? (x < 1 ? x : 1) : 0) * scale;
      this.expected[i] = lambda;
      this.emptyProbability[i] = Math.exp(-lambda);
    }
  }

  tick(): Float32Array {
    const { current, emptyProbability, expected, rng, height } = this;
    for (let i = 0; i < current.length; i++) {
      const p0 = emptyProbability[i];
      if (p0 === 1) {
        current[i] = 0;
        continue;
      }
      const u = rng.next();
      let k = 0;
      let p = p0;
      let cdf = p0;
      const lambda = expected[i];
      while (u >= cdf && k < MAX_SPIKES_PER_TICK) {
        k++;
        p *= lambda / k;
        cdf += p;
        if (p === 0) break;
      }
      current[i] = k * height;
    }
    return current;
  }

  reset(): void {
    this.rng.seed(this.seed);
    this.current.fill(0);
  }
}
