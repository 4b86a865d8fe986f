/**
 * Writes CD and trigger events as Prophesee EVT 3.0 words (the layout `evt3.ts` documents), the
 * way a sensor would: TIME_HIGH / TIME_LOW when the time changes, ADDR_Y when the row changes, then
 * ADDR_X for lone events and VECT_BASE_X + VECT_12 / VECT_8 for runs of neighbours in a row.
 * State (time, row) carries across packets, so a stream cut into packets decodes as one.
 *
 * Addresses must fit the format's 11 bits (x, y < 2048) and trigger channels its 4 bits. Times are
 * the sensor's µs clock, unwrapped (exact integers); a reader starting on the stream sees them
 * modulo 2^24 µs, as it would a camera's (so start below 16.78 s to read them back as written). The
 * writer emits a TIME_HIGH at
 * least every 2048 steps of 4096 µs, so a reader always sees the 24-bit wrap (a TIME_HIGH below the
 * previous by more than 10 steps) even across long silences.
 */

export interface Evt3Events {
  /** CD events in time order. */
  count: number;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  polarity: ArrayLike<number>;
  tUs: ArrayLike<number>;
}

export interface Evt3Triggers {
  count: number;
  edge: ArrayLike<number>;
  id: ArrayLike<number>;
  tUs: ArrayLike<number>;
}

const NO_TRIGGERS: Evt3Triggers = { count: 0, edge: [], id: [], tUs: [] };
/** TIME_HIGH steps (of 4096 µs) between two TIME_HIGH words at most. */
const MAX_HIGH_STEP = 2048;

export class Evt3Writer {
  /** Unwrapped high time (µs / 4096) last written, -1 before the first. */
  #high = -1;
  #low = -1;
  #y = -1;
  #out = new Uint16Array(1024);
  #n = 0;

  /**
   * The EVT 3.0 bytes of these events (and triggers), merged in time order. `fromUs`: the sensor
   * time the packet starts at (≤ its first event); its time words come first, so a reader learns
   * the time even from a packet without events, as a sensor's periodic time words tell it.
   */
  encode(
    events: Evt3Events,
    triggers: Evt3Triggers = NO_TRIGGERS,
    options: { fromUs?: number } = {},
  ): Uint8Array {
    this.#n = 0;
    if (options.fromUs !== undefined) {
      const first = Math.min(
        events.count > 0 ? events.tUs[0] : Infinity,
        triggers.count > 0 ? triggers.tUs[0] : Infinity,
      );
      if (!Number.isInteger(options.fromUs) || options.fromUs < 0 || options.fromUs > first) {
        throw new RangeError(
          `evt3 writer: fromUs ${options.fromUs} must be a whole µs ≥ 0 and not after the packet's first event (${first})`,
        );
      }
      this.#time(options.fromUs);
    }
    let i = 0;
    let j = 0;
    while (i < events.count || j < triggers.count) {
      const takeTrigger =
        j < triggers.count && (i >= events.count || triggers.tUs[j] <= events.tUs[i]);
      if (takeTrigger) {
        this.#time(triggers.tUs[j]);
        this.#push(0xa000 | ((triggers.id[j] & 0xf) << 8) | (triggers.edge[j] & 1));
        j++;
        continue;
      }
      const t = events.tUs[i];
      const y = events.y[i];
      const p = events.polarity[i] & 1;
      this.#time(t);
      if (y !== this.#y) {
        this.#push(y & 0x7ff);
        this.#y = y;
      }
      // A run: same time, row and polarity, x rising within 12 of the run's first x.
      const x0 = events.x[i];
      let end = i + 1;
      let mask = 1;
      while (
        end < events.count &&
        events.tUs[end] === t &&
        events.y[end] === y &&
        (events.polarity[end] & 1) === p &&
        events.x[end] > events.x[end - 1] &&
        events.x[end] - x0 < 12 &&
        (j >= triggers.count || triggers.tUs[j] > t)
      ) {
        mask |= 1 << (events.x[end] - x0);
        end++;
      }
      if (end - i >= 3) {
        this.#push(0x3000 | (p << 11) | (x0 & 0x7ff));
        this.#push(0x4000 | mask);
      } else {
        for (let k = i; k < end; k++) this.#push(0x2000 | (p << 11) | (events.x[k] & 0x7ff));
      }
      i = end;
    }
    const bytes = new Uint8Array(this.#n * 2);
    for (let k = 0; k < this.#n; k++) {
      bytes[2 * k] = this.#out[k] & 0xff;
      bytes[2 * k + 1] = this.#out[k] >>> 8;
    }
    return bytes;
  }

  #time(tUs: number): void {
    const high = Math.floor(tUs / 4096);
    const low = tUs - high * 4096;
    if (high !== this.#high) {
      if (this.#high >= 0) {
        for (let h = this.#high + MAX_HIGH_STEP; h < high; h += MAX_HIGH_STEP) {
          this.#push(0x8000 | (h & 0xfff));
        }
      }
      this.#push(0x8000 | (high & 0xfff));
      this.#high = high;
      this.#low = -1;
    }
    if (low !== this.#low) {
      this.#push(0x6000 | low);
      this.#low = low;
    }
  }

  #push(word: number): void {
    if (this.#n === this.#out.length) {
      const bigger = new Uint16Array(this.#out.length * 2);
      bigger.set(this.#out);
      this.#out = bigger;
    }
    this.#out[this.#n++] = word;
  }
}
