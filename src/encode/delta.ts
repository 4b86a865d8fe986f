import { checkFrame, checkSize } from "./constant.js";
import type { InputEncoder } from "./types.js";

/**
 * Event-camera (DVS) emulation between successive frames. Each pixel keeps the log intensity
 * L = log(x + ε) at its last event. When a new frame moves L by at least n thresholds from
 * there, the pixel emits n ON events (brighter) or n OFF events (darker), and its reference
 * moves by n thresholds, keeping the remainder (as v2e does with frame interpolation).
 *
 * The events of a frame are injected on the presentation's first tick as a signed current of
 * (ON − OFF) · amplitude / dt per pixel; later ticks carry none. The first frame after a reset
 * only sets the references: a static scene never fires.
 */
export class DeltaEncoder implements InputEncoder {
  readonly kind = "delta";
  readonly carriesState = true;
  readonly constant = false;
  readonly analog = false;
  readonly steps = null;
  /** Frame encoder: every tick carries the whole image. */
  get outputSize(): number {
    return this.size;
  }
  /** Events of the last presented frame. */
  onEvents = 0;
  offEvents = 0;

  private readonly events: Float32Array;
  private readonly silence: Float32Array;
  private readonly reference: Float64Array;
  private primed = false;
  private pending = false;
  private readonly height: number;

  constructor(
    readonly size: number,
    readonly dt: number,
    readonly threshold: number,
    readonly amplitude = 1,
    readonly epsilon = 1e-3,
  ) {
    checkSize(size);
    for (const [name, v] of [
      ["dt", dt],
      ["threshold", threshold],
      ["amplitude", amplitude],
      ["epsilon", epsilon],
    ] as const) {
      if (!(v > 0) || !Number.isFinite(v)) {
        throw new RangeError(`delta encoder: ${name} is ${v}; it must be a positive number`);
      }
    }
    this.events = new Float32Array(size);
    this.silence = new Float32Array(size);
    this.reference = new Float64Array(size);
    this.height = amplitude / dt;
  }

  present(frame: ArrayLike<number>): void {
    checkFrame(frame, this.size);
    const { events, reference, threshold, epsilon, height } = this;
    let on = 0;
    let off = 0;
    for (let i = 0; i < this.size; i++) {
      const x = frame[i];
      const level = Math.log((x > 0 ? x : 0) + epsilon);
      if (!this.primed) {
        reference[i] = level;
        events[i] = 0;
        continue;
      }
      const change = level - reference[i];
      // A hair of tolerance so a change of exactly n thresholds fires n events despite rounding.
      const n = Math.floor(Math.abs(change) / threshold + 1e-9);
      if (n === 0) {
        events[i] = 0;
      } else if (change > 0) {
        on += n;
        reference[i] += n * threshold;
        events[i] = n * height;
      } else {
        off += n;
        reference[i] -= n * threshold;
        events[i] = -n * height;
      }
    }
    this.primed = true;
    this.pending = true;
    this.onEvents = on;
    this.offEvents = off;
  }

  tick(): Float32Array {
    if (this.pending) {
      this.pending = false;
      return this.events;
    }
    return this.silence;
  }

  reset(): void {
    this.primed = false;
    this.pending = false;
    this.onEvents = 0;
    this.offEvents = 0;
    this.events.fill(0);
  }
}
