/**
 * Event-camera events → the network's input, one tick at a time: each tick of `dtNs` ns of
 * *sensor* time (the events' own timestamps, never their arrival) becomes a `[2, H, W]` array of
 * event counts, channel = polarity (0 = OFF, 1 = ON, as tonic's ToFrame orders them), after a
 * region of interest is cut from the sensor and down-sampled by an integer factor.
 *
 * Stateful across packets: a packet may end in the middle of a tick, so the open tick's counts
 * are kept until an event of a later tick (or flush()) closes it. Cutting a stream into packets
 * anywhere gives the same ticks (a test). Every tick between the first event and the last closed
 * one is emitted, empty ones included: the network must leak through silence too.
 *
 * Allocation-free per tick and per event: counts go into one Float32Array the binner owns and
 * hands to `onTick`, which must copy what it keeps; the binner zeroes it for the next tick.
 *
 * Times are exact: the tick origin is a bigint (ns); a packet's base is subtracted from it once as
 * bigints, and per-event times are integers relative to the origin, exact in a double while the
 * stream spans less than 2^53 ns (104 days).
 *
 * `EventColumns` is the shape of src/events' EventBatch, matched structurally: design.md's layer
 * table lets encode/ import only snn types.
 */
import type { ModelSpec } from "../snn/model-spec.js";

/** CD events as struct-of-arrays, event i at `baseNs + tOffsetNs[i]` ns (src/events' EventBatch). */
export interface EventColumns {
  readonly baseNs: bigint;
  readonly count: number;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** 1 = ON, 0 = OFF. */
  readonly polarity: ArrayLike<number>;
  /** ns after baseNs, exact integers. */
  readonly tOffsetNs: ArrayLike<number>;
}

/** A rectangle of sensor pixels: columns x … x + width − 1, rows y … y + height − 1. */
export interface Roi {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EventBinnerOptions {
  /** Tick length in ns (the model's dt · 1e9), a positive integer. */
  dtNs: number;
  /** Sensor pixels read; must be `downsample` times the output in each direction. */
  roi: Roi;
  /** Integer factor: a `downsample × downsample` block of ROI pixels is one input pixel. */
  downsample: number;
  /**
   * Refractory filter (0 = off): an event is dropped when the same sensor pixel (either
   * polarity) had an accepted event less than this many ns before. Removes hot-pixel bursts.
   */
  refractoryNs?: number;
  /** Value one event adds to its input pixel (1: counts). */
  gain?: number;
  /** Time tick 0 starts at, in ns; default: the first event's time. */
  originNs?: bigint;
  /** Called for each closed tick, in order, with the binner's own buffer (copy to keep). */
  onTick: (counts: Float32Array, tick: number) => void;
}

/** What happened to the events pushed so far. */
export interface EventBinnerStats {
  /** Events pushed. */
  events: number;
  /** Events counted into a tick. */
  accepted: number;
  /** Outside the region of interest. */
  outsideRoi: number;
  /** Dated before the open tick (time going backwards across a closed tick): dropped. */
  late: number;
  /** Dropped by the refractory filter. */
  refractory: number;
  /** Ticks emitted. */
  ticks: number;
}

/** The sensor ROI an `[H, W]` input at `downsample` reads by default: centred on the sensor. */
export function centeredRoi(
  sensorWidth: number,
  sensorHeight: number,
  height: number,
  width: number,
  downsample: number,
): Roi {
  const w = width * downsample;
  const h = height * downsample;
  if (w > sensorWidth || h > sensorHeight) {
    throw new RangeError(
      `events encoder: the input ${height}×${width} at downsample ${downsample} reads ${w}×${h} sensor pixels, more than the sensor's ${sensorWidth}×${sensorHeight}; lower input.encoder.downsample`,
    );
  }
  return { x: (sensorWidth - w) >> 1, y: (sensorHeight - h) >> 1, width: w, height: h };
}

/**
 * The binner a model's `events` encoder asks for, on a sensor of the given size: ticks of the
 * model's dt, its input's [H, W], its ROI (centred when the model gives none), refractory period.
 */
export function eventBinnerForModel(
  spec: ModelSpec,
  sensor: { width: number; height: number },
  onTick: (counts: Float32Array, tick: number) => void,
  originNs?: bigint,
): EventBinner {
  const e = spec.input.encoder;
  if (e.type !== "events") {
    throw new TypeError(
      `eventBinnerForModel: the model's input.encoder is "${e.type}", not "events"; use createEncoder for frames`,
    );
  }
  const [c, h, w] = spec.input.shape;
  if (c !== 2) {
    throw new RangeError(
      `events encoder: input.shape is [${c}, ${h}, ${w}]; it must be [2, H, W] (OFF, ON)`,
    );
  }
  const dtNs = Math.round(spec.dt * 1e9);
  if (dtNs < 1 || Math.abs(spec.dt * 1e9 - dtNs) > 1e-3) {
    throw new RangeError(
      `events encoder: dt ${spec.dt} s is not a whole number of ns; give the model a dt in whole ns`,
    );
  }
  const roi = e.roi ?? centeredRoi(sensor.width, sensor.height, h, w, e.downsample);
  if (roi.x + roi.width > sensor.width || roi.y + roi.height > sensor.height) {
    throw new RangeError(
      `events encoder: roi ${roi.width}×${roi.height} at (${roi.x}, ${roi.y}) reaches past the ${sensor.width}×${sensor.height} sensor; move or shrink input.encoder.roi`,
    );
  }
  return new EventBinner({
    dtNs,
    roi,
    downsample: e.downsample,
    refractoryNs: Math.round(e.refractory * 1e9),
    gain: e.gain,
    originNs,
    onTick,
  });
}

export class EventBinner {
  readonly height: number;
  readonly width: number;
  /** Values per tick: 2 · height · width. */
  readonly size: number;
  readonly stats: EventBinnerStats = {
    events: 0,
    accepted: 0,
    outsideRoi: 0,
    late: 0,
    refractory: 0,
    ticks: 0,
  };

  private readonly dtNs: number;
  private readonly roi: Roi;
  private readonly refractoryNs: number;
  private readonly gain: number;
  private readonly onTick: (counts: Float32Array, tick: number) => void;
  private readonly counts: Float32Array;
  /** Sensor column/row → input column/row, −1 outside the ROI (x, y are 16-bit). */
  private readonly colOf = new Int32Array(65536);
  private readonly rowOf = new Int32Array(65536);
  /** Per ROI pixel: time of its last accepted event, relative to the origin; −∞ when none. */
  private readonly lastNs: Float64Array | null;
  private originNs: bigint | null;
  /** The open tick (counts being gathered); −1 before the first event. */
  private tick = -1;

  constructor(options: EventBinnerOptions) {
    const { dtNs, roi, downsample } = options;
    checkInt("dtNs", dtNs, 1);
    checkInt("downsample", downsample, 1);
    checkInt("roi.x", roi.x, 0);
    checkInt("roi.y", roi.y, 0);
    checkInt("roi.width", roi.width, 1);
    checkInt("roi.height", roi.height, 1);
    if (roi.x + roi.width > 65536 || roi.y + roi.height > 65536) {
      throw new RangeError(
        `events encoder: roi ${JSON.stringify(roi)} reaches past 16-bit sensor addresses`,
      );
    }
    if (roi.width % downsample !== 0 || roi.height % downsample !== 0) {
      throw new RangeError(
        `events encoder: roi ${roi.width}×${roi.height} is not a multiple of downsample ${downsample}; make roi width and height multiples of it`,
      );
    }
    const refractoryNs = options.refractoryNs ?? 0;
    if (!Number.isFinite(refractoryNs) || refractoryNs < 0) {
      throw new RangeError(
        `events encoder: refractoryNs is ${refractoryNs}; give ns ≥ 0 (0 = off)`,
      );
    }
    this.dtNs = dtNs;
    this.roi = { ...roi };
    this.refractoryNs = refractoryNs;
    this.gain = options.gain ?? 1;
    this.onTick = options.onTick;
    this.originNs = options.originNs ?? null;
    this.width = roi.width / downsample;
    this.height = roi.height / downsample;
    this.size = 2 * this.width * this.height;
    this.counts = new Float32Array(this.size);
    this.colOf.fill(-1);
    this.rowOf.fill(-1);
    for (let i = 0; i < roi.width; i++) this.colOf[roi.x + i] = Math.floor(i / downsample);
    for (let i = 0; i < roi.height; i++) this.rowOf[roi.y + i] = Math.floor(i / downsample);
    this.lastNs =
      refractoryNs > 0 ? new Float64Array(roi.width * roi.height).fill(-Infinity) : null;
  }

  /** Time tick k starts at, in ns (exact); null before the origin is known. */
  tickStartNs(k: number): bigint | null {
    return this.originNs === null ? null : this.originNs + BigInt(k) * BigInt(this.dtNs);
  }

  /** The open tick's index (−1 before the first event). */
  get openTick(): number {
    return this.tick;
  }

  /** Bins a packet's events; emits every tick that an event of a later tick closes. */
  push(events: EventColumns): void {
    const n = events.count;
    if (n === 0) return;
    const { x, y, polarity, tOffsetNs } = events;
    if (this.originNs === null) this.originNs = events.baseNs + BigInt(tOffsetNs[0]);
    if (this.tick < 0) this.tick = 0;
    // Packet base relative to the origin, once per packet as bigints, then exact doubles.
    const rel = Number(events.baseNs - this.originNs);
    const dt = this.dtNs;
    const counts = this.counts;
    const colOf = this.colOf;
    const rowOf = this.rowOf;
    const plane = this.width * this.height;
    const w = this.width;
    const last = this.lastNs;
    const refr = this.refractoryNs;
    const roiX = this.roi.x;
    const roiY = this.roi.y;
    const roiW = this.roi.width;
    const gain = this.gain;
    const stats = this.stats;
    let accepted = 0;
    let outside = 0;
    let late = 0;
    let refractory = 0;
    for (let i = 0; i < n; i++) {
      const t = rel + tOffsetNs[i];
      const k = Math.floor(t / dt);
      if (k !== this.tick) {
        if (k < this.tick) {
          late++;
          continue;
        }
        this.closeUntil(k);
      }
      const sx = x[i];
      const sy = y[i];
      const c = colOf[sx];
      const r = rowOf[sy];
      if (c < 0 || r < 0) {
        outside++;
        continue;
      }
      if (last !== null) {
        const p = (sy - roiY) * roiW + (sx - roiX);
        if (t - last[p] < refr) {
          refractory++;
          continue;
        }
        last[p] = t;
      }
      counts[(polarity[i] !== 0 ? plane : 0) + r * w + c] += gain;
      accepted++;
    }
    stats.events += n;
    stats.accepted += accepted;
    stats.outsideRoi += outside;
    stats.late += late;
    stats.refractory += refractory;
  }

  /**
   * Closes every tick that ends at or before `timeNs` (e.g. the sensor time a packet was known
   * complete up to), emitting them; events dated before then arriving later count as `late`.
   */
  advanceTo(timeNs: bigint): void {
    if (this.originNs === null || timeNs < this.originNs) return;
    // Tick j ends at (j + 1)·dt ≤ timeNs exactly when j < floor((timeNs − origin) / dt).
    const k = Number((timeNs - this.originNs) / BigInt(this.dtNs));
    if (this.tick < 0) this.tick = 0;
    if (k > this.tick) this.closeUntil(k);
  }

  /** Closes the open tick now, partial as it is, and opens the next one. */
  flush(): void {
    if (this.tick < 0) return;
    this.closeUntil(this.tick + 1);
  }

  /** Forgets everything: counts, refractory times, the origin (back to the option's). */
  reset(originNs?: bigint): void {
    this.counts.fill(0);
    this.lastNs?.fill(-Infinity);
    this.originNs = originNs ?? null;
    this.tick = -1;
    const s = this.stats;
    s.events = s.accepted = s.outsideRoi = s.late = s.refractory = s.ticks = 0;
  }

  /** Emits the open tick and the empty ticks after it, up to (not including) tick k. */
  private closeUntil(k: number): void {
    const counts = this.counts;
    this.onTick(counts, this.tick);
    counts.fill(0);
    for (let t = this.tick + 1; t < k; t++) this.onTick(counts, t);
    this.stats.ticks += k - this.tick;
    this.tick = k;
  }
}

function checkInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`events encoder: ${name} is ${value}; give an integer ≥ ${min}`);
  }
}
