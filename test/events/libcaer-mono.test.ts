/**
 * libcaer_cmp, libcaer, mono and trigger words built by hand to the documented layouts
 * (event_camera_msgs README; event_camera_codecs libcaer_cmp_types.h and the 64-bit decoders), so
 * each field's position, the time bases and the rollover are pinned down.
 */
import { describe, expect, it } from "vitest";
import {
  EventBatch,
  EventStreamDecoder,
  LibcaerCmpDecoder,
  LibcaerDecoder,
  MonoDecoder,
  TriggerDecoder,
  problemsOf,
} from "../../src/events/index.js";

const base = (encoding: string, events: Uint8Array, time_base = 0n, width = 640, height = 480) => ({
  width,
  height,
  time_base,
  encoding,
  is_bigendian: false,
  events,
});

const words16 = (w: number[]) => new Uint8Array(new Uint16Array(w).buffer);

function words64(pairs: [number, number][]): Uint8Array {
  const out = new Uint8Array(pairs.length * 8);
  const v = new DataView(out.buffer);
  pairs.forEach(([lo, hi], i) => {
    v.setUint32(8 * i, lo >>> 0, true);
    v.setUint32(8 * i + 4, hi >>> 0, true);
  });
  return out;
}

const cd = (b: EventBatch) =>
  Array.from({ length: b.count }, (_, i) => [b.x[i], b.y[i], b.polarity[i], b.timeNs(i)]);

describe("libcaer_cmp", () => {
  it("dates events at (time_base + high·4096 + low) µs, column from ADDR_X, row and polarity from ADDR_Y", () => {
    const out = new EventBatch();
    const d = new LibcaerCmpDecoder();
    const tb = 1_702_669_729_854_452n; // µs
    const r = d.decode(
      base(
        "libcaer_cmp",
        words16([
          0x0001, // TIME_HIGH 1
          0x1002, // TIME_LOW 2 → 4098 µs
          0x2000 | 17, // x = 17
          0x3000 | 0x800 | 5, // y = 5, ON
          0x4000 | 100, // vector base y = 100, OFF
          0x5000 | 0b1001, // y = 100, 103; base → 108
          0x5000 | 0b1, // y = 108
        ]),
        tb,
      ),
      out,
    );
    expect(problemsOf(r.problems)).toEqual([]);
    const t = (tb + 4098n) * 1000n;
    expect(cd(out)).toEqual([
      [17, 5, 1, t],
      [17, 100, 0, t],
      [17, 103, 0, t],
      [17, 108, 0, t],
    ]);
  });

  it("restarts time per packet but keeps the column", () => {
    const out = new EventBatch();
    const d = new LibcaerCmpDecoder();
    d.decode(base("libcaer_cmp", words16([0x2000 | 9, 0x1005]), 10n), out);
    d.decode(base("libcaer_cmp", words16([0x3000 | 4]), 20n), out);
    expect(cd(out)).toEqual([[9, 4, 0, 20_000n]]);
  });

  it("drops addresses outside the sensor and counts unknown words", () => {
    const out = new EventBatch();
    const r = new LibcaerCmpDecoder().decode(
      base(
        "libcaer_cmp",
        words16([0x2000 | 640, 0x3000 | 1, 0x2000 | 3, 0x3000 | 480, 0x3000 | 2, 0x9000]),
      ),
      out,
    );
    expect(cd(out)).toEqual([[3, 2, 0, 0n]]);
    expect(r.dropped).toBe(2);
    expect(problemsOf(r.problems).sort()).toEqual(["address_out_of_range", "unknown_word"]);
  });
});

describe("libcaer (64 bits per event)", () => {
  const event = (x: number, y: number, p: number, tsUs: number): [number, number] => [
    ((x << 17) | (y << 2) | (p << 1) | 1) >>> 0,
    tsUs,
  ];

  it("reads x, y, polarity and µs time after time_base (ns), across the 31-bit rollover", () => {
    const out = new EventBatch(1);
    const tb = 1_702_309_120_762_236_018n;
    const r = new LibcaerDecoder().decode(
      base("libcaer", words64([event(639, 479, 1, 2 ** 31 - 2), event(1, 2, 0, 3)]), tb),
      out,
    );
    expect(problemsOf(r.problems)).toEqual([]);
    expect(cd(out)).toEqual([
      [639, 479, 1, tb + BigInt(2 ** 31 - 2) * 1000n],
      [1, 2, 0, tb + (2n ** 31n + 3n) * 1000n],
    ]);
  });

  it("drops negative timestamps and addresses outside the sensor; counts a cut word", () => {
    const out = new EventBatch();
    const bytes = words64([
      event(1, 1, 1, 5),
      [event(1, 1, 1, 0)[0], 0x80000000],
      event(640, 0, 0, 6),
    ]);
    const r = new LibcaerDecoder().decode(
      base("libcaer", new Uint8Array([...bytes, 1, 2, 3])),
      out,
    );
    expect(out.count).toBe(1);
    expect(r.dropped).toBe(2);
    expect(problemsOf(r.problems).sort()).toEqual([
      "address_out_of_range",
      "invalid_timestamp",
      "truncated_word",
    ]);
  });
});

describe("mono and trigger (deprecated 64-bit words)", () => {
  it("mono: dt bits 0-31 (ns after time_base), x 32-47, y 48-62, polarity 63", () => {
    const out = new EventBatch();
    const r = new MonoDecoder().decode(
      base(
        "mono",
        words64([
          [7, (1 << 31) | (479 << 16) | 639],
          [9, (3 << 16) | 2],
        ]),
        2n ** 60n,
      ),
      out,
    );
    expect(problemsOf(r.problems)).toEqual([]);
    expect(cd(out)).toEqual([
      [639, 479, 1, 2n ** 60n + 7n],
      [2, 3, 0, 2n ** 60n + 9n],
    ]);
  });

  it("mono: time stepping back within a packet or from the last packet is counted", () => {
    const d = new MonoDecoder();
    const out = new EventBatch();
    expect(
      problemsOf(
        d.decode(
          base(
            "mono",
            words64([
              [9, 0],
              [8, 0],
            ]),
          ),
          out,
        ).problems,
      ),
    ).toEqual(["time_backwards"]);
    expect(problemsOf(d.decode(base("mono", words64([[1, 0]])), out).problems)).toEqual([
      "time_backwards",
    ]);
  });

  it("trigger: edge bit 63, channel bits 48-55, dt bits 0-31", () => {
    const out = new EventBatch();
    new TriggerDecoder().decode(base("trigger", words64([[5, (1 << 31) | (3 << 16)]]), 100n), out);
    expect(out.count).toBe(0);
    expect([out.triggerCount, out.triggerEdge[0], out.triggerId[0], out.triggerTimeNs(0)]).toEqual([
      1,
      1,
      3,
      105n,
    ]);
  });
});

describe("EventStreamDecoder", () => {
  it("reports unknown encodings and big-endian packets without decoding them", () => {
    const s = new EventStreamDecoder();
    expect(problemsOf(s.decode(base("evt4", new Uint8Array(8))).problems)).toEqual([
      "unknown_encoding",
    ]);
    expect(s.batch.count).toBe(0);
    const be = { ...base("mono", words64([[1, 1]])), is_bigendian: true };
    expect(problemsOf(s.decode(be).problems)).toEqual(["big_endian"]);
    expect(s.batch.count).toBe(0);
  });

  it("keeps one decoder's state per encoding and geometry", () => {
    const s = new EventStreamDecoder();
    const evt3 = (w: number[]) => ({ ...base("evt3", words16(w), 0n, 1280, 720) });
    s.decode(evt3([0x8001, 0x6001]));
    // Another sensor on the same stream object does not disturb the first one's time.
    s.decode({ ...evt3([0x8005, 0x6005]), width: 640, height: 480 });
    s.decode(evt3([0x2003]));
    expect(cd(s.batch)).toEqual([[3, 0, 0, 4097_000n]]);
  });
});
