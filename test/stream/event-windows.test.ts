/**
 * Windows of sensor time (EventWindower, eventWindows) and whole-window dropping under
 * back-pressure (latestWins), as marble tests and properties.
 */
import fc from "fast-check";
import { map } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import {
  EventWindower,
  eventWindows,
  type EventWindow,
  type TimedEvents,
  type TimedPacket,
} from "../../src/stream/event-windows.js";
import { latestWins } from "../../src/stream/latest-wins.js";

/** An epoch time in ns above 2^53: a double cannot hold it, the windows must. */
const T0 = 1_700_000_000_000_000_123n;
const MS = 1_000_000;

function batch(baseNs: bigint, offsets: number[], endNs?: bigint): TimedEvents {
  return {
    baseNs,
    count: offsets.length,
    x: offsets.map((_, i) => i),
    y: offsets.map((_, i) => 2 * i),
    polarity: offsets.map((_, i) => i % 2),
    tOffsetNs: offsets,
    endNs: endNs ?? null,
  };
}

/** Events whose x is their index in the whole stream (so cuttings can be compared). */
function labelled(baseNs: bigint, offsets: number[], ids: number[]): TimedEvents {
  return { ...batch(baseNs, offsets), x: ids, polarity: ids.map((k) => k % 2) };
}

const info = { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "cam" }, width: 64, height: 48 };

function windows(packets: TimedEvents[], windowMs = 4, maxEmptyWindows?: number) {
  const out: EventWindow[] = [];
  const w = new EventWindower({
    windowNs: BigInt(windowMs * MS),
    maxEmptyWindows,
    onWindow: (x) => out.push(x),
  });
  for (const p of packets) w.push(p, info);
  w.finish();
  return { out, stats: w.stats };
}

/** Each window's events as absolute times (bigint), to compare across cuttings. */
function absolute(ws: EventWindow[]): string[] {
  return ws.map(
    (w) =>
      `${w.index}@${w.startNs}:` +
      Array.from(w.tOffsetNs, (t, i) => `${w.startNs + BigInt(t)}/${w.x[i]}/${w.polarity[i]}`).join(
        ",",
      ),
  );
}

describe("EventWindower", () => {
  it("cuts by the events' own times, exactly, from the first event, empty windows included", () => {
    const { out, stats } = windows([
      batch(T0, [0, 1 * MS, 3 * MS + 999_999]),
      // Straddles windows 0 → 1; then a silence to window 4.
      batch(T0 + 3n * BigInt(MS), [999_999, 1 * MS, 13 * MS]),
    ]);
    expect(out.map((w) => w.index)).toEqual([0, 1, 2, 3, 4]);
    expect(out.map((w) => w.startNs)).toEqual([
      T0,
      T0 + 4_000_000n,
      T0 + 8_000_000n,
      T0 + 12_000_000n,
      T0 + 16_000_000n,
    ]);
    expect(out.map((w) => w.endNs - w.startNs)).toEqual([
      4_000_000n,
      4_000_000n,
      4_000_000n,
      4_000_000n,
      4_000_000n,
    ]);
    expect(out.map((w) => w.count)).toEqual([4, 1, 0, 0, 1]);
    // Offsets are from the window's start, exact.
    expect(Array.from(out[0].tOffsetNs)).toEqual([0, MS, 3 * MS + 999_999, 3 * MS + 999_999]);
    expect(Array.from(out[1].tOffsetNs)).toEqual([0]);
    expect(Array.from(out[4].tOffsetNs)).toEqual([0]);
    expect(out[4].startNs + BigInt(out[4].tOffsetNs[0])).toBe(T0 + 16_000_000n);
    expect(stats).toMatchObject({ packets: 2, events: 6, late: 0, windows: 5 });
  });

  it("closes a window on a packet's end time, without waiting for the next event", () => {
    const out: EventWindow[] = [];
    const w = new EventWindower({ windowNs: 4_000_000n, onWindow: (x) => out.push(x) });
    w.push(batch(T0, [0, MS]), info);
    expect(out).toHaveLength(0);
    // A packet with time words only (evt3): the sensor says it is at T0 + 4 ms.
    w.push(batch(T0 + 2_000_000n, [], T0 + 4_000_000n), info);
    expect(out.map((x) => x.count)).toEqual([2]);
    expect(w.openStartNs).toBe(T0 + 4_000_000n);
    // Nothing reached window 1: the end of the stream emits nothing more.
    w.finish();
    expect(out).toHaveLength(1);
  });

  it("takes the origin from a packet's time words when its first packet holds no events", () => {
    const { out } = windows([batch(T0, [], T0), batch(T0, [5 * MS])]);
    expect(out.map((w) => [w.index, w.count])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(out[0].startNs).toBe(T0);
  });

  it("drops and counts events dated before the open window (the clock stepping back)", () => {
    const { out, stats } = windows([batch(T0, [0, 5 * MS]), batch(T0, [MS, 6 * MS])]);
    expect(stats.late).toBe(1);
    expect(out.map((w) => w.count)).toEqual([1, 2]);
  });

  it("skips, and counts, the empty windows of a long silence past maxEmptyWindows", () => {
    const { out, stats } = windows([batch(T0, [0]), batch(T0 + 400_000_000n, [0])], 4, 10);
    expect(out.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]);
    expect(stats.skippedWindows).toBe(89);
    expect(out.at(-1)!.startNs).toBe(T0 + 400_000_000n);
  });

  it("stamps a window with its end in the packets' clock", () => {
    const out: EventWindow[] = [];
    const w = new EventWindower({ windowNs: 4_000_000n, onWindow: (x) => out.push(x) });
    // Sensor clock in µs·1000 from 1 s; ROS time 1 700 000 000 s at the first event.
    w.push(batch(1_000_000_000n, [0]), {
      ...info,
      header: { stamp: { sec: 1_700_000_000, nanosec: 0 }, frame_id: "dvs" },
    });
    w.finish();
    expect(out[0].header).toEqual({
      stamp: { sec: 1_700_000_000, nanosec: 4_000_000 },
      frame_id: "dvs",
    });
  });

  it("refuses a window that is not a positive whole number of ns", () => {
    expect(() => new EventWindower({ windowNs: 0n, onWindow: () => {} })).toThrow(/windowNs/);
  });

  it("gives the same windows however the stream is cut into packets (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        (gaps, cuts, windowMs) => {
          const times: number[] = [];
          let t = 0;
          for (const g of gaps) times.push((t += g));
          const ids = times.map((_, k) => k);
          const whole = windows([labelled(T0, times, ids)], windowMs).out;
          const points = [
            ...new Set([0, ...cuts.map((c) => Math.min(c, times.length)), times.length]),
          ].sort((a, b) => a - b);
          const packets: TimedEvents[] = [];
          for (let i = 0; i + 1 < points.length; i++) {
            const part = times.slice(points[i], points[i + 1]);
            if (part.length === 0) continue;
            // Each packet counts from its own base, as decoders write them.
            packets.push(
              labelled(
                T0 + BigInt(part[0]),
                part.map((x) => x - part[0]),
                ids.slice(points[i], points[i + 1]),
              ),
            );
          }
          const cut = windows(packets, windowMs).out;
          expect(absolute(cut)).toEqual(absolute(whole));
          expect(whole.length).toBe(cut.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Packets of one event each at `ms` after T0 (a packet per marble frame). */
function packetAt(ms: number): TimedPacket {
  return { events: batch(T0 + BigInt(ms * MS), [0]), packet: info };
}

describe("eventWindows and whole-window dropping (marble)", () => {
  it("emits a window when a later window's event arrives, and the open one at completion", () => {
    scheduler().run(({ hot, expectObservable }) => {
      // Events at 0, 1, 2 ms (window 0 of 2 ms: 0, 1; window 1: 2), 9 ms (windows 2, 3 empty, 4).
      const source = hot("a-b-c-d-------|", {
        a: packetAt(0),
        b: packetAt(1),
        c: packetAt(2),
        d: packetAt(9),
      });
      const out = source.pipe(
        eventWindows({ windowNs: 2_000_000n }),
        map((w) => `${w.index}:${w.count}`),
      );
      expectObservable(out).toBe("----a-(bcd)---(e|)", {
        a: "0:2",
        b: "1:1",
        c: "2:0",
        d: "3:0",
        e: "4:1",
      });
    });
  });

  it("drops whole windows when the engine falls behind, and counts them with their events", () => {
    const dropped: { index: number; events: number; cause: string }[] = [];
    const fed: string[] = [];
    scheduler().run(({ hot, cold, expectObservable, flush }) => {
      const source = hot("abcdefgh|", {
        a: packetAt(0),
        b: packetAt(0.5),
        c: packetAt(1),
        d: packetAt(2),
        e: packetAt(2.5),
        f: packetAt(3),
        g: packetAt(4),
        h: packetAt(5),
      });
      // The engine takes 6 frames per window: every window is fed whole or not at all.
      const engine = (w: EventWindow) =>
        cold("-----(r|)", {
          r: `${w.index}:${Array.from(w.tOffsetNs).join("+")}`,
        });
      const out = source.pipe(
        eventWindows({ windowNs: 1_000_000n }),
        latestWins(engine, {
          capacity: 1,
          onDrop: (w, cause) => dropped.push({ index: w.index, events: w.count, cause }),
        }),
        map((r) => {
          fed.push(r);
          return r;
        }),
      );
      // c closes window 0 (0, 0.5 ms): fed at once, done at 7. Meanwhile d, f, g close windows
      // 1, 2, 3, each displacing the one waiting; h (frame 7, before 0 is done) closes 4, which
      // displaces 3. The end of the stream closes 5, fed once 4 is done.
      expectObservable(out).toBe("-------a----b----(c|)", {
        a: "0:0+500000",
        b: "4:0",
        c: "5:0",
      });
      flush();
    });
    // Windows 1 (1 ms), 2 (2, 2.5 ms) and 3 (3 ms) were dropped whole, with all their events.
    expect(dropped).toEqual([
      { index: 1, events: 1, cause: "overflow" },
      { index: 2, events: 2, cause: "overflow" },
      { index: 3, events: 1, cause: "overflow" },
    ]);
    expect(fed).toHaveLength(3);
  });
});
