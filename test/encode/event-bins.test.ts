import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  centeredRoi,
  EventBinner,
  type EventColumns,
  type Roi,
} from "../../src/encode/event-bins.js";

interface Ev {
  t: bigint;
  x: number;
  y: number;
  p: number;
}

interface Setup {
  dtNs: number;
  roi: Roi;
  downsample: number;
  refractoryNs: number;
  originNs?: bigint;
}

/** Floor division of bigints (BigInt `/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

/**
 * The reference: the whole stream at once, exact bigint times, one frame per tick from tick 0 up
 * to the last open tick (what the binner emits once flushed).
 */
function reference(
  events: Ev[],
  s: Setup,
): { frames: number[][]; late: number; refractory: number } {
  const h = s.roi.height / s.downsample;
  const w = s.roi.width / s.downsample;
  if (events.length === 0) return { frames: [], late: 0, refractory: 0 };
  const origin = s.originNs ?? events[0].t;
  const frames = new Map<number, number[]>();
  const lastAccepted = new Map<string, bigint>();
  let open = 0;
  let late = 0;
  let refractory = 0;
  for (const e of events) {
    const k = Number(floorDiv(e.t - origin, BigInt(s.dtNs)));
    if (k < open) {
      late++;
      continue;
    }
    open = k;
    const inside =
      e.x >= s.roi.x &&
      e.x < s.roi.x + s.roi.width &&
      e.y >= s.roi.y &&
      e.y < s.roi.y + s.roi.height;
    if (!inside) continue;
    const key = `${e.x},${e.y}`;
    const prev = lastAccepted.get(key);
    if (s.refractoryNs > 0 && prev !== undefined && e.t - prev < BigInt(s.refractoryNs)) {
      refractory++;
      continue;
    }
    lastAccepted.set(key, e.t);
    const r = Math.floor((e.y - s.roi.y) / s.downsample);
    const c = Math.floor((e.x - s.roi.x) / s.downsample);
    const frame = frames.get(k) ?? new Array<number>(2 * h * w).fill(0);
    frame[(e.p ? h * w : 0) + r * w + c] += 1;
    frames.set(k, frame);
  }
  const out: number[][] = [];
  for (let k = 0; k <= open; k++) out.push(frames.get(k) ?? new Array<number>(2 * h * w).fill(0));
  return { frames: out, late, refractory };
}

/** Packs events [from, to) as a decoder's batch would: a base near the first event, offsets. */
function packet(events: Ev[], from: number, to: number, baseShift: bigint): EventColumns {
  const n = to - from;
  const baseNs = n > 0 ? events[from].t - baseShift : 0n;
  const b = {
    baseNs,
    count: n,
    x: new Uint16Array(n),
    y: new Uint16Array(n),
    polarity: new Uint8Array(n),
    tOffsetNs: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const e = events[from + i];
    b.x[i] = e.x;
    b.y[i] = e.y;
    b.polarity[i] = e.p;
    b.tOffsetNs[i] = Number(e.t - baseNs);
  }
  return b;
}

function run(
  events: Ev[],
  s: Setup,
  cuts: number[],
  shifts: bigint[],
): { frames: number[][]; binner: EventBinner } {
  const frames: number[][] = [];
  const ticks: number[] = [];
  const binner = new EventBinner({
    ...s,
    onTick: (counts, tick) => {
      frames.push(Array.from(counts));
      ticks.push(tick);
    },
  });
  const bounds = [
    0,
    ...cuts.filter((c) => c > 0 && c < events.length).sort((a, b) => a - b),
    events.length,
  ];
  for (let i = 0; i + 1 < bounds.length; i++) {
    binner.push(packet(events, bounds[i], bounds[i + 1], shifts[i % shifts.length]));
  }
  binner.flush();
  expect(ticks).toEqual(ticks.map((_, i) => i));
  return { frames, binner };
}

const EPOCH = 1_700_000_000_123_456_789n; // past 2^53: times must stay exact

const setupArb: fc.Arbitrary<Setup> = fc
  .record({
    dtNs: fc.integer({ min: 1, max: 5000 }),
    downsample: fc.integer({ min: 1, max: 3 }),
    bw: fc.integer({ min: 1, max: 4 }),
    bh: fc.integer({ min: 1, max: 4 }),
    rx: fc.integer({ min: 0, max: 4 }),
    ry: fc.integer({ min: 0, max: 4 }),
    refractoryNs: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 3000 }),
    ),
  })
  .map((r) => ({
    dtNs: r.dtNs,
    downsample: r.downsample,
    roi: { x: r.rx, y: r.ry, width: r.bw * r.downsample, height: r.bh * r.downsample },
    refractoryNs: r.refractoryNs,
  }));

/**
 * Mostly forward in time, sometimes a step back (late events), on a sensor of 1×1 … 10×10 pixels
 * (small ones revisit pixels often, so refractory boundaries are hit exactly).
 */
const streamArb: fc.Arbitrary<Ev[]> = fc.integer({ min: 0, max: 9 }).chain((maxXY) =>
  fc
    .array(
      fc.record({
        dt: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 0, max: 20 }) },
          { weight: 4, arbitrary: fc.integer({ min: 0, max: 2000 }) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 40_000 }) },
          { weight: 1, arbitrary: fc.integer({ min: -3000, max: -1 }) },
        ),
        x: fc.integer({ min: 0, max: maxXY }),
        y: fc.integer({ min: 0, max: maxXY }),
        p: fc.integer({ min: 0, max: 1 }),
      }),
      { maxLength: 200 },
    )
    .map((steps) => {
      let t = EPOCH;
      return steps.map((s) => {
        t += BigInt(s.dt);
        return { t, x: s.x, y: s.y, p: s.p };
      });
    }),
);

describe("EventBinner", () => {
  it("agrees with the reference on random streams, however the stream is cut into packets", () => {
    fc.assert(
      fc.property(
        setupArb,
        streamArb,
        fc.array(fc.nat(200), { maxLength: 12 }),
        fc.array(fc.bigInt({ min: -5_000_000n, max: 5_000_000n }), { minLength: 1, maxLength: 4 }),
        (s, events, cuts, shifts) => {
          const want = reference(events, s);
          const whole = run(events, s, [], [0n]);
          const cut = run(events, s, cuts, shifts);
          expect(whole.frames).toEqual(want.frames);
          expect(cut.frames).toEqual(want.frames);
          expect(cut.binner.stats.late).toBe(want.late);
          expect(cut.binner.stats.refractory).toBe(want.refractory);
          expect(cut.binner.stats.events).toBe(events.length);
          const st = cut.binner.stats;
          expect(st.accepted + st.outsideRoi + st.late + st.refractory).toBe(st.events);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with the reference from an explicit origin (events before it are late)", () => {
    fc.assert(
      fc.property(
        setupArb,
        streamArb,
        fc.integer({ min: -20_000, max: 20_000 }),
        (s, events, o) => {
          const setup = { ...s, originNs: EPOCH + BigInt(o) };
          expect(run(events, setup, [], [0n]).frames).toEqual(reference(events, setup).frames);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("drops exactly the events within the refractory period of the pixel's last accepted one", () => {
    // One or two pixels and small steps, so gaps equal to the period itself come up often.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(
          fc.record({ d: fc.integer({ min: 0, max: 4 }), x: fc.integer({ min: 0, max: 1 }) }),
          {
            maxLength: 60,
          },
        ),
        fc.array(fc.nat(60), { maxLength: 5 }),
        (refractoryNs, dtNs, steps, cuts) => {
          let t = EPOCH;
          const events = steps.map(({ d, x }) => ({ t: (t += BigInt(d)), x, y: 0, p: 1 }));
          const s = { dtNs, refractoryNs, downsample: 1, roi: { x: 0, y: 0, width: 2, height: 1 } };
          const got = run(events, s, cuts, [0n, 3n]);
          const want = reference(events, s);
          expect(got.frames).toEqual(want.frames);
          expect(got.binner.stats.refractory).toBe(want.refractory);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps a tick that straddles two packets open until a later event closes it", () => {
    const frames: number[][] = [];
    const b = new EventBinner({
      dtNs: 1000,
      roi: { x: 0, y: 0, width: 2, height: 1 },
      downsample: 1,
      onTick: (c, k) => frames.push([k, ...c]),
    });
    const ev: Ev[] = [
      { t: EPOCH, x: 0, y: 0, p: 1 },
      { t: EPOCH + 999n, x: 1, y: 0, p: 0 },
      { t: EPOCH + 2500n, x: 1, y: 0, p: 1 },
    ];
    b.push(packet(ev, 0, 1, 0n));
    expect(frames).toEqual([]); // tick 0 still open
    b.push(packet(ev, 1, 2, 7n));
    expect(frames).toEqual([]);
    b.push(packet(ev, 2, 3, -3n));
    // channel 0 (OFF) then 1 (ON), each [y][x]; tick 1 is empty, tick 2 open.
    expect(frames).toEqual([
      [0, 0, 1, 1, 0],
      [1, 0, 0, 0, 0],
    ]);
    expect(b.openTick).toBe(2);
    b.flush();
    expect(frames[2]).toEqual([2, 0, 0, 0, 1]);
    expect(b.tickStartNs(2)).toBe(EPOCH + 2000n);
  });

  it("advanceTo closes the ticks that end by then, and later events of them are late", () => {
    const ticks: number[] = [];
    const b = new EventBinner({
      dtNs: 10,
      roi: { x: 0, y: 0, width: 1, height: 1 },
      downsample: 1,
      onTick: (_c, k) => ticks.push(k),
    });
    const ev: Ev[] = [
      { t: EPOCH, x: 0, y: 0, p: 1 },
      { t: EPOCH + 25n, x: 0, y: 0, p: 1 },
    ];
    b.push(packet(ev, 0, 1, 0n));
    b.advanceTo(EPOCH + 29n); // ticks 0, 1 end by 20 ns; tick 2 ends at 30
    expect(ticks).toEqual([0, 1]);
    b.advanceTo(EPOCH + 30n);
    expect(ticks).toEqual([0, 1, 2]);
    b.push(packet(ev, 1, 2, 0n));
    expect(b.stats.late).toBe(1);
  });

  it("down-samples a 1280×720 sensor to 34×34 through a centred ROI", () => {
    const roi = centeredRoi(1280, 720, 34, 34, 20);
    expect(roi).toEqual({ x: 300, y: 20, width: 680, height: 680 });
    let got: number[] = [];
    const b = new EventBinner({
      dtNs: 1_000_000,
      roi,
      downsample: 20,
      onTick: (c) => (got = Array.from(c)),
    });
    const ev: Ev[] = [
      { t: EPOCH, x: 300, y: 20, p: 0 }, // first ROI pixel → OFF (0, 0)
      { t: EPOCH + 1n, x: 319, y: 39, p: 0 }, // same 20×20 block
      { t: EPOCH + 2n, x: 979, y: 699, p: 1 }, // last ROI pixel → ON (33, 33)
      { t: EPOCH + 3n, x: 299, y: 20, p: 1 }, // left of the ROI
      { t: EPOCH + 4n, x: 980, y: 699, p: 1 }, // right of it
    ];
    b.push(packet(ev, 0, ev.length, 0n));
    b.flush();
    expect(got.length).toBe(2 * 34 * 34);
    expect(got[0]).toBe(2);
    expect(got[34 * 34 + 33 * 34 + 33]).toBe(1);
    expect(got.reduce((a, v) => a + v, 0)).toBe(3);
    expect(b.stats.outsideRoi).toBe(2);
    expect(() => centeredRoi(1280, 720, 34, 34, 22)).toThrow(/downsample/);
  });

  it("hands the same buffer every tick (no allocation per tick) and zeroes it after", () => {
    const seen = new Set<Float32Array>();
    const sums: number[] = [];
    const b = new EventBinner({
      dtNs: 5,
      roi: { x: 0, y: 0, width: 4, height: 4 },
      downsample: 2,
      gain: 0.5,
      onTick: (c) => {
        seen.add(c);
        sums.push(c.reduce((a, v) => a + v, 0));
      },
    });
    const ev: Ev[] = [0n, 1n, 12n, 40n].map((d) => ({ t: EPOCH + d, x: 3, y: 3, p: 1 }));
    b.push(packet(ev, 0, ev.length, 0n));
    b.flush();
    expect(seen.size).toBe(1);
    expect(sums).toEqual([1, 0, 0.5, 0, 0, 0, 0, 0, 0.5]);
  });

  it("names the bad option", () => {
    const onTick = () => undefined;
    const roi = { x: 0, y: 0, width: 4, height: 4 };
    expect(() => new EventBinner({ dtNs: 0.5, roi, downsample: 1, onTick })).toThrow(/dtNs/);
    expect(() => new EventBinner({ dtNs: 1, roi, downsample: 3, onTick })).toThrow(
      /multiple of downsample 3/,
    );
    expect(
      () => new EventBinner({ dtNs: 1, roi: { ...roi, x: -1 }, downsample: 1, onTick }),
    ).toThrow(/roi\.x/);
    expect(
      () => new EventBinner({ dtNs: 1, roi, downsample: 1, refractoryNs: -1, onTick }),
    ).toThrow(/refractoryNs/);
  });
});
