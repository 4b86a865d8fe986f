/**
 * evt3: hand-built words with known meaning, the writer's output read back, a stream cut anywhere
 * into packets decoding as one, and the 24-bit time wrap.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventBatch, Evt3Decoder, Evt3Writer, problemsOf } from "../../src/events/index.js";

const packet = (words: number[], width = 1280, height = 720) => ({
  width,
  height,
  time_base: 0n,
  encoding: "evt3",
  is_bigendian: false,
  events: new Uint8Array(new Uint16Array(words).buffer),
});

interface Ev {
  x: number;
  y: number;
  p: number;
  t: bigint;
}

function events(b: EventBatch): Ev[] {
  const out: Ev[] = [];
  for (let i = 0; i < b.count; i++) {
    out.push({ x: b.x[i], y: b.y[i], p: b.polarity[i], t: b.timeNs(i) });
  }
  return out;
}

describe("evt3 words", () => {
  it("decodes ADDR_Y, ADDR_X, vectors and triggers at the current time", () => {
    const d = new Evt3Decoder();
    const out = new EventBatch(4);
    const report = d.decode(
      packet([
        0x8001, // TIME_HIGH 1 → 4096 µs
        0x6005, // TIME_LOW 5 → 4101 µs
        0x0007, // y = 7
        0x2800 | 3, // x = 3, ON
        0x3000 | 10, // vector base x = 10, OFF
        0x4000 | 0b100000000101, // VECT_12: x = 10, 12, 21; base → 22
        0x5000 | 0b11, // VECT_8: x = 22, 23
        0xa000 | (2 << 8) | 1, // trigger channel 2, rising
        0x6006, // TIME_LOW 6
        0x2000 | 4,
      ]),
      out,
    );
    expect(problemsOf(report.problems)).toEqual([]);
    const t0 = 4101_000n;
    expect(events(out)).toEqual([
      { x: 3, y: 7, p: 1, t: t0 },
      { x: 10, y: 7, p: 0, t: t0 },
      { x: 12, y: 7, p: 0, t: t0 },
      { x: 21, y: 7, p: 0, t: t0 },
      { x: 22, y: 7, p: 0, t: t0 },
      { x: 23, y: 7, p: 0, t: t0 },
      { x: 4, y: 7, p: 0, t: t0 + 1000n },
    ]);
    expect(out.triggerCount).toBe(1);
    expect([out.triggerTimeNs(0), out.triggerEdge[0], out.triggerId[0]]).toEqual([t0, 1, 2]);
  });

  it("drops events before the first TIME_HIGH + TIME_LOW, and those outside the sensor", () => {
    const d = new Evt3Decoder();
    const out = new EventBatch();
    const r1 = d.decode(packet([0x0001, 0x2001, 0x8000]), out);
    expect(out.count).toBe(0);
    expect(r1.problems).toBe(0);
    const r2 = d.decode(packet([0x6000, 0x2001, 0x2000 | 1279, 0x2000 | 1280], 1280, 720), out);
    // The row word before the time was ignored: y is still 0.
    expect(events(out).map((e) => [e.x, e.y])).toEqual([
      [1, 0],
      [1279, 0],
    ]);
    expect(r2.dropped).toBe(1);
    expect(problemsOf(r2.problems)).toEqual(["address_out_of_range"]);
  });

  it("carries time across a packet that ends between TIME_HIGH and its events", () => {
    const d = new Evt3Decoder();
    const out = new EventBatch();
    d.decode(packet([0x8000, 0x6000, 0x0002, 0x2001, 0x8002]), out);
    d.decode(packet([0x6003, 0x2005]), out);
    expect(events(out)).toEqual([{ x: 5, y: 2, p: 0, t: (2n * 4096n + 3n) * 1000n }]);
  });

  it("unwraps the 24-bit time, but not a TIME_HIGH that jitters back by ≤ 10 steps", () => {
    const d = new Evt3Decoder();
    const out = new EventBatch();
    d.decode(packet([0x8fff, 0x6000, 0x2001, 0x8000, 0x6001, 0x2002]), out);
    expect(events(out).map((e) => e.t)).toEqual([4095n * 4096_000n, (4096n * 4096n + 1n) * 1000n]);
    const fresh = new Evt3Decoder();
    const jittered = new EventBatch();
    const jitter = fresh.decode(packet([0x8005, 0x6000, 0x2001, 0x8000, 0x6000, 0x2002]), jittered);
    expect(events(jittered).map((e) => e.t)).toEqual([5n * 4096_000n, 0n]);
    expect(problemsOf(jitter.problems)).toEqual(["time_backwards"]);
  });

  it("counts undefined word types and odd byte counts, and goes on", () => {
    const d = new Evt3Decoder();
    const out = new EventBatch();
    const words = new Uint8Array([0x00, 0x80, 0x00, 0x60, 0x00, 0x90, 0x01, 0x20, 0x07]);
    const r = d.decode({ ...packet([]), events: words }, out);
    expect(problemsOf(r.problems).sort()).toEqual(["truncated_word", "unknown_word"]);
    expect(events(out)).toEqual([{ x: 1, y: 0, p: 0, t: 0n }]);
  });

  it("reads packets whose bytes start at an odd offset (as uint8[] inside CDR often does)", () => {
    const words = packet([0x8001, 0x6002, 0x0003, 0x2004]).events;
    const shifted = new Uint8Array(words.length + 1);
    shifted.set(words, 1);
    const out = new EventBatch();
    new Evt3Decoder().decode({ ...packet([]), events: shifted.subarray(1) }, out);
    expect(events(out)).toEqual([{ x: 4, y: 3, p: 0, t: 4098_000n }]);
  });
});

// Random event streams in time order, within the format's limits.
const streamArb = fc
  .array(
    fc.record({
      dt: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 2e7 }),
      ),
      x: fc.integer({ min: 0, max: 1279 }),
      dx: fc.integer({ min: 0, max: 4 }),
      y: fc.integer({ min: 0, max: 719 }),
      p: fc.integer({ min: 0, max: 1 }),
      trigger: fc.option(
        fc.record({ edge: fc.integer({ min: 0, max: 1 }), id: fc.integer({ min: 0, max: 15 }) }),
        {
          freq: 10,
        },
      ),
    }),
    { maxLength: 300 },
  )
  .map((rows) => {
    let t = 0;
    let x = 0;
    const ev = {
      x: [] as number[],
      y: [] as number[],
      polarity: [] as number[],
      tUs: [] as number[],
    };
    const tr = { edge: [] as number[], id: [] as number[], tUs: [] as number[] };
    for (const r of rows) {
      // A reader sees the first time modulo 2^24 µs (as with a camera), so start below it.
      t = ev.tUs.length === 0 ? r.dt % 2 ** 24 : t + r.dt;
      // Neighbours in a row now and then, so vector words get written.
      x = r.dt === 0 && r.dx > 0 && x + r.dx < 1280 ? x + r.dx : r.x;
      ev.x.push(x);
      ev.y.push(r.dt === 0 && r.dx > 0 ? (ev.y.at(-1) ?? r.y) : r.y);
      ev.polarity.push(r.dt === 0 && r.dx > 0 ? (ev.polarity.at(-1) ?? r.p) : r.p);
      ev.tUs.push(t);
      if (r.trigger) {
        tr.edge.push(r.trigger.edge);
        tr.id.push(r.trigger.id);
        tr.tUs.push(t);
      }
    }
    return { events: { count: ev.x.length, ...ev }, triggers: { count: tr.edge.length, ...tr } };
  });

describe("evt3 writer → decoder", () => {
  it("reads back every event and trigger, exactly, across many 24-bit wraps", () => {
    fc.assert(
      fc.property(streamArb, ({ events: ev, triggers: tr }) => {
        const bytes = new Evt3Writer().encode(ev, tr);
        const out = new EventBatch(1);
        const r = new Evt3Decoder().decode({ ...packet([]), events: bytes }, out);
        expect(r).toEqual({ problems: 0, dropped: 0 });
        expect(out.count).toBe(ev.count);
        for (let i = 0; i < ev.count; i++) {
          expect([out.x[i], out.y[i], out.polarity[i], out.timeNs(i)]).toEqual([
            ev.x[i],
            ev.y[i],
            ev.polarity[i],
            BigInt(ev.tUs[i]) * 1000n,
          ]);
        }
        expect(out.triggerCount).toBe(tr.count);
        for (let i = 0; i < tr.count; i++) {
          expect([out.triggerEdge[i], out.triggerId[i], out.triggerTimeNs(i)]).toEqual([
            tr.edge[i],
            tr.id[i],
            BigInt(tr.tUs[i]) * 1000n,
          ]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("a stream cut into packets at any word boundaries decodes as the whole does", () => {
    fc.assert(
      fc.property(
        streamArb,
        fc.array(fc.nat(), { maxLength: 8 }),
        ({ events: ev, triggers: tr }, cuts) => {
          const bytes = new Evt3Writer().encode(ev, tr);
          const whole = new EventBatch();
          new Evt3Decoder().decode({ ...packet([]), events: bytes }, whole);
          const words = bytes.length / 2;
          const at = [...new Set(cuts.map((c) => (words === 0 ? 0 : c % words)))].sort(
            (a, b) => a - b,
          );
          const d = new Evt3Decoder();
          const part = new EventBatch();
          const got: Ev[] = [];
          let from = 0;
          for (const to of [...at, words]) {
            d.decode({ ...packet([]), events: bytes.slice(from * 2, to * 2) }, part);
            got.push(...events(part));
            from = to;
          }
          expect(got).toEqual(events(whole));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("evt3 packet end time (EventBatch.endNs) and the writer's fromUs", () => {
  const packet = (events: Uint8Array) => ({
    width: 64,
    height: 64,
    time_base: 0n,
    encoding: "evt3",
    is_bigendian: false,
    events,
  });
  const none = { count: 0, x: [], y: [], polarity: [], tUs: [] };

  it("tells the time of a packet without events, and of one whose time moves past its events", () => {
    const writer = new Evt3Writer();
    const decoder = new Evt3Decoder();
    const batch = new EventBatch();
    // Before any time word: no time at all.
    decoder.decode(packet(new Uint8Array(0)), batch);
    expect(batch.endNs).toBeNull();
    decoder.decode(packet(writer.encode(none, undefined, { fromUs: 1_000_000 })), batch);
    expect(batch.count).toBe(0);
    expect(batch.endNs).toBe(1_000_000_000n);
    const ev = { count: 2, x: [3, 9], y: [1, 1], polarity: [1, 0], tUs: [1_004_000, 1_004_000] };
    decoder.decode(packet(writer.encode(ev, undefined, { fromUs: 1_004_000 })), batch);
    expect(batch.count).toBe(2);
    expect(batch.timeNs(0)).toBe(1_004_000_000n);
    expect(batch.endNs).toBe(1_004_000_000n);
    // Time words only, across a TIME_HIGH step (4096 µs): the end moves on.
    decoder.decode(packet(writer.encode(none, undefined, { fromUs: 1_009_000 })), batch);
    expect(batch.endNs).toBe(1_009_000_000n);
  });

  it("refuses a fromUs after the packet's first event", () => {
    const ev = { count: 1, x: [0], y: [0], polarity: [1], tUs: [10] };
    expect(() => new Evt3Writer().encode(ev, undefined, { fromUs: 11 })).toThrow(/fromUs 11/);
  });
});
