/**
 * N-MNIST `.bin` files, built here byte by byte to the layout of Orchard et al. (2015) as tonic's
 * `read_mnist_file` reads it: x, y, polarity, 23-bit µs timestamp, y == 240 overflow markers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseNmnist, problemsOf } from "../../src/events/index.js";

/** One 5-byte record. */
function record(x: number, y: number, p: number, tUs: number): number[] {
  return [x, y, (p << 7) | ((tUs >>> 16) & 0x7f), (tUs >>> 8) & 0xff, tUs & 0xff];
}

describe("parseNmnist", () => {
  it("reads x, y, polarity and the 23-bit µs timestamp", () => {
    const bytes = new Uint8Array([
      ...record(0, 0, 1, 0),
      ...record(33, 33, 0, 2 ** 23 - 1),
      ...record(5, 6, 1, 0x12345),
    ]);
    const { batch, problems, overflows } = parseNmnist(bytes);
    expect(overflows).toBe(0);
    expect(problemsOf(problems)).toEqual(["time_backwards"]);
    const got = Array.from({ length: batch.count }, (_, i) => [
      batch.x[i],
      batch.y[i],
      batch.polarity[i],
      batch.timeNs(i),
    ]);
    expect(got).toEqual([
      [0, 0, 1, 0n],
      [33, 33, 0, BigInt(2 ** 23 - 1) * 1000n],
      [5, 6, 1, 0x12345n * 1000n],
    ]);
  });

  it("adds 2^13 µs after each y == 240 marker (as tonic), which is not an event", () => {
    const bytes = new Uint8Array([
      ...record(1, 1, 0, 100),
      ...record(0, 240, 0, 0),
      ...record(2, 2, 1, 50),
      ...record(0, 240, 0, 0),
      ...record(3, 3, 1, 60),
    ]);
    const { batch, overflows } = parseNmnist(bytes);
    expect(overflows).toBe(2);
    expect(batch.count).toBe(3);
    expect([batch.timeNs(0), batch.timeNs(1), batch.timeNs(2)]).toEqual([
      100_000n,
      (8192n + 50n) * 1000n,
      (2n * 8192n + 60n) * 1000n,
    ]);
    expect(parseNmnist(bytes, { overflowIncrementUs: 2 ** 23 }).batch.timeNs(2)).toBe(
      (2n * 2n ** 23n + 60n) * 1000n,
    );
  });

  it("drops events outside 34 × 34 and counts a cut record", () => {
    const bytes = new Uint8Array([...record(34, 0, 0, 1), ...record(1, 2, 0, 3), 7, 7]);
    const r = parseNmnist(bytes);
    expect(r.batch.count).toBe(1);
    expect(r.dropped).toBe(1);
    expect(problemsOf(r.problems).sort()).toEqual(["address_out_of_range", "truncated_word"]);
    expect(parseNmnist(bytes, { width: 240, height: 180 }).batch.count).toBe(2);
  });

  it("any bytes parse without throwing, to in-range events", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const { batch } = parseNmnist(bytes);
        for (let i = 0; i < batch.count; i++) {
          if (batch.x[i] >= 34 || batch.y[i] >= 34) throw new Error(`event ${i} outside 34×34`);
        }
        expect(batch.count).toBeLessThanOrEqual(Math.floor(bytes.length / 5));
      }),
      { numRuns: 300 },
    );
  });
});
