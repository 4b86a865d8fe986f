/**
 * Event packets → windows of sensor time: the unit an event stream is classified in.
 *
 * Window k covers `origin + k·windowNs ≤ t < origin + (k+1)·windowNs` of the events' *own*
 * timestamps (sensor time, never arrival), the origin being the first time the stream shows (its
 * first event, or the time word of a packet that holds none). Drivers send packets at ~1 kHz, so a
 * window gathers many packets, and a packet may straddle windows. A window closes once the stream
 * shows a time at or past its end: an event of a later window, or a packet's end time (`endNs`,
 * evt3's time words). Every window from the origin on is emitted, empty ones included (the network
 * must leak through silence too), up to `maxEmptyWindows` in a row: a longer gap (a sensor clock
 * jump, a paused recording) skips the empty windows past that, counted, keeping the grid.
 *
 * Times are exact: window bounds are bigint ns; a packet's base is subtracted from the open
 * window's start once per packet as bigints, and per-event times are exact doubles from there (a
 * packet spans far less than 2^53 ns). An event dated before the open window (the clock stepping
 * back) is dropped and counted as late.
 *
 * Each window owns copies of its events (struct-of-arrays, offsets from its start), so it can be
 * transferred to the worker whole, or dropped whole. Pure: no clocks, no I/O.
 */
import { Observable, type OperatorFunction } from "rxjs";
import type { Header } from "./frame-messages.js";

/** A packet's decoded CD events, as src/events' EventBatch holds them (matched structurally). */
export interface TimedEvents {
  readonly baseNs: bigint;
  readonly count: number;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly polarity: ArrayLike<number>;
  readonly tOffsetNs: ArrayLike<number>;
  /** Sensor time the packet is known complete up to (evt3's last time word), when known. */
  readonly endNs?: bigint | null;
}

/** What a packet says beside its events. */
export interface PacketInfo {
  header: Header;
  width: number;
  height: number;
}

/** One window of sensor time and the events in it. */
export interface EventWindow {
  /** Window number since the stream's origin. */
  index: number;
  /** Sensor time, ns: [startNs, endNs). */
  startNs: bigint;
  endNs: bigint;
  /**
   * The packets' frame_id and, as stamp, the window's end in the packets' clock (ROS time): the
   * end's sensor time moved by the latest packet's header.stamp − its first sensor time.
   */
  header: Header;
  /** Sensor geometry of the latest packet (0 when the packets do not say). */
  width: number;
  height: number;
  count: number;
  x: Uint16Array;
  y: Uint16Array;
  polarity: Uint8Array;
  /** ns after startNs, exact integers in [0, windowNs). */
  tOffsetNs: Float64Array;
  /** Packets that contributed time or events to this window. */
  packets: number;
}

export interface EventWindowerOptions {
  /** Window length in ns, a positive integer. */
  windowNs: bigint;
  /** Empty windows emitted in a row before the rest of a gap is skipped. Default 1000. */
  maxEmptyWindows?: number;
  onWindow: (window: EventWindow) => void;
}

export interface EventWindowerStats {
  packets: number;
  /** Packets that carried no time at all (before a stream's first time word): nothing to place. */
  untimedPackets: number;
  events: number;
  /** Events dated before the open window: dropped. */
  late: number;
  windows: number;
  /** Empty windows of long gaps that were skipped, not emitted. */
  skippedWindows: number;
}

const DEFAULT_MAX_EMPTY = 1000;
const NS_PER_S = 1_000_000_000n;

/** A stamp of exact ns as ROS Time (negative values clamp to 0). */
export function timeOfNs(ns: bigint): { sec: number; nanosec: number } {
  if (ns < 0n) return { sec: 0, nanosec: 0 };
  return { sec: Number(ns / NS_PER_S), nanosec: Number(ns % NS_PER_S) };
}

export function nsOfTime(t: { sec: number; nanosec: number }): bigint {
  return BigInt(t.sec) * NS_PER_S + BigInt(t.nanosec);
}

export class EventWindower {
  readonly stats: EventWindowerStats = {
    packets: 0,
    untimedPackets: 0,
    events: 0,
    late: 0,
    windows: 0,
    skippedWindows: 0,
  };
  private readonly windowNs: bigint;
  private readonly windowNum: number;
  private readonly maxEmpty: number;
  private readonly onWindow: (w: EventWindow) => void;

  private open: boolean = false;
  private index = 0;
  private startNs = 0n;
  private touched = false;
  private packetsIn = 0;
  private count = 0;
  private x = new Uint16Array(1024);
  private y = new Uint16Array(1024);
  private p = new Uint8Array(1024);
  private t = new Float64Array(1024);
  /** header.stamp − first sensor time of the latest timed packet, ns. */
  private clockOffsetNs = 0n;
  private frameId = "";
  private width = 0;
  private height = 0;

  constructor(options: EventWindowerOptions) {
    if (typeof options.windowNs !== "bigint" || options.windowNs < 1n) {
      throw new RangeError(
        `event windows: windowNs is ${String(options.windowNs)}; give a positive whole number of ns (e.g. 4_000_000n for 4 ms)`,
      );
    }
    if (options.windowNs > 2n ** 52n) {
      throw new RangeError(`event windows: windowNs ${options.windowNs} is longer than 52 days`);
    }
    const maxEmpty = options.maxEmptyWindows ?? DEFAULT_MAX_EMPTY;
    if (!Number.isInteger(maxEmpty) || maxEmpty < 0) {
      throw new RangeError(`event windows: maxEmptyWindows is ${maxEmpty}; give an integer ≥ 0`);
    }
    this.windowNs = options.windowNs;
    this.windowNum = Number(options.windowNs);
    this.maxEmpty = maxEmpty;
    this.onWindow = options.onWindow;
  }

  /** The open window's start (sensor ns), or null before the stream's first time. */
  get openStartNs(): bigint | null {
    return this.open ? this.startNs : null;
  }

  /** Adds one packet's events; emits every window its times close. */
  push(events: TimedEvents, packet: PacketInfo): void {
    this.stats.packets += 1;
    const n = events.count;
    const endNs = events.endNs ?? null;
    const first = n > 0 ? events.baseNs + BigInt(events.tOffsetNs[0]) : endNs;
    if (first === null) {
      this.stats.untimedPackets += 1;
      return;
    }
    this.frameId = packet.header?.frame_id ?? "";
    this.width = packet.width;
    this.height = packet.height;
    const stamp = packet.header?.stamp;
    if (stamp) this.clockOffsetNs = nsOfTime(stamp) - first;
    if (!this.open) {
      this.open = true;
      this.index = 0;
      this.startNs = first;
      this.touched = true;
    }
    this.packetsIn += 1;
    this.touched = true;
    const W = this.windowNum;
    let rel = Number(events.baseNs - this.startNs);
    const { x, y, polarity, tOffsetNs } = events;
    let late = 0;
    for (let i = 0; i < n; i++) {
      let t = rel + tOffsetNs[i];
      if (t < 0) {
        late++;
        continue;
      }
      if (t >= W) {
        const k = Math.floor(t / W);
        this.advance(k);
        rel -= k * W;
        t -= k * W;
        this.packetsIn = 1;
        this.touched = true;
      }
      this.append(x[i], y[i], polarity[i], t);
    }
    this.stats.events += n;
    this.stats.late += late;
    if (endNs !== null && endNs - this.startNs >= this.windowNs) {
      const k = Number((endNs - this.startNs) / this.windowNs);
      this.advance(k);
      // The packet showed time inside the new window only if it ended past its start.
      this.touched = endNs > this.startNs;
      this.packetsIn = this.touched ? 1 : 0;
    }
  }

  /**
   * The end of the stream: emits the open window (full length) when anything reached it. The
   * windower can go on afterwards (a later packet opens the next window).
   */
  finish(): void {
    if (!this.open || !this.touched) return;
    this.advance(1);
    this.touched = false;
    this.packetsIn = 0;
  }

  /** Forgets the stream (a new recording): the next time seen is a new origin. */
  reset(): void {
    this.open = false;
    this.count = 0;
    this.touched = false;
    this.packetsIn = 0;
  }

  /** Closes the open window and the k − 1 after it (empty), opening window index + k. */
  private advance(k: number): void {
    this.emit();
    const empty = k - 1;
    const shown = Math.min(empty, this.maxEmpty);
    for (let j = 1; j <= shown; j++) {
      this.index += 1;
      this.startNs += this.windowNs;
      this.packetsIn = 0;
      this.emit();
    }
    const skipped = empty - shown;
    this.stats.skippedWindows += skipped;
    this.index += skipped + 1;
    this.startNs += this.windowNs * BigInt(skipped + 1);
  }

  private emit(): void {
    const n = this.count;
    const endNs = this.startNs + this.windowNs;
    const window: EventWindow = {
      index: this.index,
      startNs: this.startNs,
      endNs,
      header: { stamp: timeOfNs(endNs + this.clockOffsetNs), frame_id: this.frameId },
      width: this.width,
      height: this.height,
      count: n,
      x: this.x.slice(0, n),
      y: this.y.slice(0, n),
      polarity: this.p.slice(0, n),
      tOffsetNs: this.t.slice(0, n),
      packets: this.packetsIn,
    };
    this.count = 0;
    this.stats.windows += 1;
    this.onWindow(window);
  }

  private append(x: number, y: number, p: number, t: number): void {
    if (this.count === this.x.length) {
      const cap = this.count * 2;
      this.x = grow(this.x, new Uint16Array(cap));
      this.y = grow(this.y, new Uint16Array(cap));
      this.p = grow(this.p, new Uint8Array(cap));
      this.t = grow(this.t, new Float64Array(cap));
    }
    const i = this.count++;
    this.x[i] = x;
    this.y[i] = y;
    this.p[i] = p !== 0 ? 1 : 0;
    this.t[i] = t;
  }
}

function grow<T extends Uint8Array | Uint16Array | Float64Array>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

/** A packet's events with what the packet says (the input of `eventWindows`). */
export interface TimedPacket {
  events: TimedEvents;
  packet: PacketInfo;
}

/**
 * The windower as an RxJS operator: packets in, windows out; the source's completion emits the
 * open window. The events are read when the packet arrives (a reused batch may be passed).
 */
export function eventWindows(
  options: Omit<EventWindowerOptions, "onWindow">,
): OperatorFunction<TimedPacket, EventWindow> {
  return (source) =>
    new Observable<EventWindow>((subscriber) => {
      const windower = new EventWindower({ ...options, onWindow: (w) => subscriber.next(w) });
      return source.subscribe({
        next: (p) => windower.push(p.events, p.packet),
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          windower.finish();
          subscriber.complete();
        },
      });
    });
}
