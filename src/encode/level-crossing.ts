import type { InputEncoder } from "./types.js";

/**
 * Spike-coded sequence input: level-crossing (send-on-delta) coding of a sequence encoder's
 * per-tick values, as an event sensor sweeping the image would send them. Each of the n values
 * a tick carries (one row, or one pixel window) is watched against `levels` thresholds
 * θ_k = (k + ½)/levels, k = 0…levels−1, on the current J = gain·x + bias; between consecutive
 * ticks, every threshold the value crosses upwards sends an ON event on its own input line,
 * every one it crosses downwards an OFF event. The value before the first tick is 0 (above the
 * image), so summing ON − OFF of a line up to tick t gives [J_t ≥ θ_k]: the sequence of events
 * carries the image quantised to `levels` levels, nothing else.
 *
 * Tick output: 2·levels·n binary events of value `amplitude`, line (p·levels + k)·n + j for
 * value j, level k, polarity p (0 ON, 1 OFF). Every nonzero input is one event, so the first
 * layer only accumulates (analog = false): input ACs = events × fan-out.
 *
 * The quantised level of J is q(J) = clamp(⌊J·levels + ½⌋, 0, levels) (the number of thresholds
 * at or below J); a tick from q_prev to q sends ON on levels q_prev…q−1 or OFF on q…q_prev−1.
 * After the sequence (tick ≥ steps) the output is silent, not the fall to 0.
 */
export class LevelCrossingEncoder implements InputEncoder {
  readonly constant = false;
  readonly analog = false;
  /** Its previous levels belong to one sequence: a new frame starts again from 0. */
  readonly carriesState = false;
  readonly outputSize: number;
  /** Events of the last tick (ON and OFF). */
  tickEvents = 0;
  private readonly out: Float64Array;
  private readonly silence: Float64Array;
  private readonly previous: Int32Array;
  private t = 0;

  constructor(
    /** The analog sequence encoder (rows, pixel_windows) whose values are coded. */
    private readonly inner: InputEncoder,
    readonly levels = 4,
    readonly amplitude = 1,
  ) {
    if (inner.steps === null || !inner.analog) {
      throw new RangeError(
        `level-crossing coding: wraps an analog sequence encoder (rows, pixel_windows), not ${inner.kind}`,
      );
    }
    if (!Number.isInteger(levels) || levels < 1) {
      throw new RangeError(`level-crossing coding: levels is ${levels}; use an integer >= 1`);
    }
    if (!(amplitude > 0) || !Number.isFinite(amplitude)) {
      throw new RangeError(
        `level-crossing coding: amplitude is ${amplitude}; use a finite number > 0`,
      );
    }
    this.outputSize = 2 * levels * inner.outputSize;
    this.out = new Float64Array(this.outputSize);
    this.silence = new Float64Array(this.outputSize);
    this.previous = new Int32Array(inner.outputSize);
  }

  get kind(): InputEncoder["kind"] {
    return this.inner.kind;
  }
  get size(): number {
    return this.inner.size;
  }
  get steps(): number {
    return this.inner.steps as number;
  }

  /** Level of a current: how many thresholds (k + ½)/levels lie at or below it. */
  level(j: number): number {
    const q = Math.floor(j * this.levels + 0.5);
    return q < 0 ? 0 : q > this.levels ? this.levels : q;
  }

  present(frame: ArrayLike<number>): void {
    this.inner.present(frame);
    this.previous.fill(0);
    this.t = 0;
  }

  tick(): Float64Array {
    if (this.t >= this.steps) {
      this.t++;
      this.tickEvents = 0;
      return this.silence;
    }
    this.t++;
    const values = this.inner.tick();
    const { out, previous, levels, amplitude } = this;
    const n = previous.length;
    out.fill(0);
    let events = 0;
    for (let j = 0; j < n; j++) {
      const q = this.level(values[j]);
      const p = previous[j];
      if (q > p) for (let k = p; k < q; k++) out[k * n + j] = amplitude;
      else if (q < p) for (let k = q; k < p; k++) out[(levels + k) * n + j] = amplitude;
      events += q > p ? q - p : p - q;
      previous[j] = q;
    }
    this.tickEvents = events;
    return out;
  }

  reset(): void {
    this.inner.reset();
    this.previous.fill(0);
    this.t = 0;
  }
}
