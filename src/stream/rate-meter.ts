/**
 * Frames per second actually processed, over a sliding window of completion times.
 *
 * Power (src/power) is energy per frame times this rate, so it must reflect what the pipeline
 * really does (dropped frames, a paused camera), not the nominal camera rate. A fixed ring of
 * timestamps: no allocation per frame.
 */
export class RateMeter {
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;

  /**
   * @param windowMs events older than this (relative to the newest) are ignored
   * @param maxEvents the ring size: the rate is taken over at most this many recent events
   */
  constructor(
    private readonly windowMs: number,
    maxEvents = 256,
  ) {
    if (!(windowMs > 0)) {
      throw new RangeError(`RateMeter: windowMs must be positive (got ${windowMs}).`);
    }
    if (!Number.isInteger(maxEvents) || maxEvents < 2) {
      throw new RangeError(`RateMeter: maxEvents must be an integer >= 2 (got ${maxEvents}).`);
    }
    this.times = new Float64Array(maxEvents);
  }

  /** Record one event at `nowMs` (monotonic clock, milliseconds). */
  mark(nowMs: number): void {
    const size = this.times.length;
    this.times[(this.head + this.count) % size] = nowMs;
    if (this.count < size) this.count += 1;
    else this.head = (this.head + 1) % size;
  }

  /**
   * Events per second: (n - 1) / (newest - oldest) over the events within the window of the
   * newest one. 0 until two events fall in the window, because one event says nothing of a rate.
   */
  rate(): number {
    if (this.count < 2) return 0;
    const size = this.times.length;
    const newest = this.times[(this.head + this.count - 1) % size];
    let n = 1;
    let oldest = newest;
    for (let i = this.count - 2; i >= 0; i--) {
      const t = this.times[(this.head + i) % size];
      if (newest - t > this.windowMs) break;
      oldest = t;
      n += 1;
    }
    const span = newest - oldest;
    return n < 2 || span <= 0 ? 0 : ((n - 1) * 1000) / span;
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
  }
}
