/**
 * Decoded events as struct-of-arrays, reused from packet to packet so the hot loops allocate
 * nothing per event: CD (contrast-detection) events in one set of columns, external triggers in
 * another.
 *
 * Times are nanoseconds that exceed 2^53 (epoch time, or a sensor clock in ns), so a batch holds
 * one exact `baseNs` (bigint) and per-event offsets from it in a Float64Array. The offsets are
 * exact integers: a packet spans far less than the 104 days 2^53 ns would need. `timeNs(i)` gives
 * the exact time; never add an epoch base to an offset in a double.
 */

const INITIAL_CAPACITY = 4096;

export class EventBatch {
  /** Time all offsets in this batch count from, in ns (exact). */
  baseNs = 0n;
  /**
   * Sensor time the stream is known complete up to after this packet, in ns, when the encoding
   * says (evt3: the time its last time word set, events or not); null otherwise.
   */
  endNs: bigint | null = null;
  /** CD events in this batch. */
  count = 0;
  x: Uint16Array;
  y: Uint16Array;
  /** 1 = ON (brighter), 0 = OFF. */
  polarity: Uint8Array;
  /** ns after baseNs, exact integers (may be negative when a sensor clock steps back). */
  tOffsetNs: Float64Array;

  /** External trigger events in this batch. */
  triggerCount = 0;
  /** 1 = rising edge, 0 = falling. */
  triggerEdge: Uint8Array;
  /** Trigger channel. */
  triggerId: Uint8Array;
  triggerOffsetNs: Float64Array;

  constructor(capacity = INITIAL_CAPACITY, triggerCapacity = 64) {
    this.x = new Uint16Array(capacity);
    this.y = new Uint16Array(capacity);
    this.polarity = new Uint8Array(capacity);
    this.tOffsetNs = new Float64Array(capacity);
    this.triggerEdge = new Uint8Array(triggerCapacity);
    this.triggerId = new Uint8Array(triggerCapacity);
    this.triggerOffsetNs = new Float64Array(triggerCapacity);
  }

  get capacity(): number {
    return this.x.length;
  }

  /** Empties the batch (capacity kept). */
  clear(baseNs: bigint): void {
    this.baseNs = baseNs;
    this.endNs = null;
    this.count = 0;
    this.triggerCount = 0;
  }

  /** Makes room for at least `needed` CD events, keeping the first `count`. */
  growTo(needed: number): void {
    if (needed <= this.x.length) return;
    const cap = Math.max(needed, this.x.length * 2);
    const n = this.count;
    this.x = grow(this.x, new Uint16Array(cap), n);
    this.y = grow(this.y, new Uint16Array(cap), n);
    this.polarity = grow(this.polarity, new Uint8Array(cap), n);
    this.tOffsetNs = grow(this.tOffsetNs, new Float64Array(cap), n);
  }

  /** Appends one trigger event (rare: no need for a fast path). */
  pushTrigger(offsetNs: number, edge: number, id: number): void {
    if (this.triggerCount === this.triggerEdge.length) {
      const cap = this.triggerEdge.length * 2;
      const n = this.triggerCount;
      this.triggerEdge = grow(this.triggerEdge, new Uint8Array(cap), n);
      this.triggerId = grow(this.triggerId, new Uint8Array(cap), n);
      this.triggerOffsetNs = grow(this.triggerOffsetNs, new Float64Array(cap), n);
    }
    const i = this.triggerCount++;
    this.triggerEdge[i] = edge;
    this.triggerId[i] = id;
    this.triggerOffsetNs[i] = offsetNs;
  }

  /** Exact time of CD event i, in ns. */
  timeNs(i: number): bigint {
    return this.baseNs + BigInt(this.tOffsetNs[i]);
  }

  /** Exact time of trigger i, in ns. */
  triggerTimeNs(i: number): bigint {
    return this.baseNs + BigInt(this.triggerOffsetNs[i]);
  }

  /** Number of ON events in the batch. */
  onCount(): number {
    let on = 0;
    const p = this.polarity;
    for (let i = 0; i < this.count; i++) on += p[i];
    return on;
  }
}

function grow<T extends Uint8Array | Uint16Array | Float64Array>(old: T, fresh: T, n: number): T {
  fresh.set(old.subarray(0, n));
  return fresh;
}
