import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RateMeter } from "../../src/stream/rate-meter.js";
import { continuousTicks } from "../../src/stream/presentation.js";
import { handOver } from "../../src/stream/frame-transfer.js";

describe("RateMeter", () => {
  it("is 0 until two events, then (n-1)/span", () => {
    const m = new RateMeter(1000);
    expect(m.rate()).toBe(0);
    m.mark(0);
    expect(m.rate()).toBe(0);
    for (let i = 1; i <= 30; i++) m.mark(i * (1000 / 30));
    expect(m.rate()).toBeCloseTo(30, 9);
  });

  it("forgets events older than the window", () => {
    const m = new RateMeter(500);
    for (let t = 0; t <= 1000; t += 10) m.mark(t); // 100 Hz for a second
    for (let t = 1100; t <= 3000; t += 100) m.mark(t); // then 10 Hz
    expect(m.rate()).toBeCloseTo(10, 9);
  });

  it("takes the rate over at most the ring size", () => {
    const m = new RateMeter(1e9, 4);
    for (const t of [0, 1000, 1010, 1020, 1030]) m.mark(t);
    expect(m.rate()).toBeCloseTo(100, 9);
    m.reset();
    expect(m.rate()).toBe(0);
  });

  it("refuses nonsense settings", () => {
    expect(() => new RateMeter(0)).toThrow(/windowMs/);
    expect(() => new RateMeter(10, 1)).toThrow(/maxEvents/);
  });
});

describe("continuousTicks", () => {
  const limits = { minTicks: 1, maxTicks: 100 };
  const at = (s: number) => ({ sec: Math.floor(s), nanosec: Math.round((s % 1) * 1e9) });

  it("gives the nominal ticks to a first frame and to a stamp that does not advance", () => {
    expect(continuousTicks(undefined, at(5), 0.001, 50, limits)).toBe(50);
    expect(continuousTicks(at(5), at(5), 0.001, 50, limits)).toBe(50);
    expect(continuousTicks(at(5), at(4), 0.001, 50, limits)).toBe(50);
  });

  it("turns the stamp delta into ticks of dt, clamped", () => {
    expect(continuousTicks(at(10), at(10 + 1 / 30), 0.001, 50, limits)).toBe(33);
    expect(continuousTicks(at(10), at(10.0001), 0.001, 50, limits)).toBe(1);
    expect(continuousTicks(at(10), at(12), 0.001, 50, limits)).toBe(100);
    expect(continuousTicks(at(10), at(10.02), 0.0001, 50, { minTicks: 1, maxTicks: 1000 })).toBe(
      200,
    );
  });

  it("stays within the limits for any stamps", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 500 }),
        (s1, n1, s2, n2, min, extra) => {
          const lim = { minTicks: min, maxTicks: min + extra };
          const t = continuousTicks(
            { sec: s1, nanosec: n1 },
            { sec: s2, nanosec: n2 },
            0.001,
            10,
            lim,
          );
          expect(Number.isInteger(t)).toBe(true);
          expect(t).toBeGreaterThanOrEqual(lim.minTicks);
          expect(t).toBeLessThanOrEqual(lim.maxTicks);
        },
      ),
    );
  });
});

describe("handOver", () => {
  it("transfers an array that owns its buffer, without copying", () => {
    const data = new Uint8Array([1, 2, 3]);
    const h = handOver(data, true);
    expect(h.data).toBe(data);
    expect(h.transfer).toEqual([data.buffer]);
  });

  it("copies a view into a larger buffer once, to exactly its bytes", () => {
    const big = new Uint8Array(100).map((_, i) => i);
    const view = big.subarray(10, 20);
    const h = handOver(view, true);
    expect(h.data).not.toBe(view);
    expect(h.data.buffer.byteLength).toBe(10);
    expect(Array.from(h.data)).toEqual(Array.from(view));
    expect(h.transfer).toEqual([h.data.buffer]);
  });

  it("never transfers a Buffer from Node's shared pool", () => {
    const small = Buffer.from([9, 8, 7]);
    expect(small.buffer.byteLength).toBeGreaterThan(small.byteLength);
    const h = handOver(small, true);
    expect(h.transfer[0]).not.toBe(small.buffer);
  });

  it("transfers the whole serialized message when the pixels are a view into it", () => {
    const cdr = new Uint8Array(200);
    const pixels = cdr.subarray(64, 164);
    const h = handOver(pixels, true, cdr);
    expect(h.data).toBe(pixels);
    expect(h.transfer).toEqual([cdr.buffer]);
    // ...but not when the serialized bytes are themselves a view into a larger buffer.
    const chunk = new Uint8Array(1000);
    const message = chunk.subarray(100, 300);
    const inner = message.subarray(64, 164);
    const h2 = handOver(inner, true, message);
    expect(h2.transfer[0]).not.toBe(chunk.buffer);
    expect(h2.data.byteLength).toBe(100);
    expect(handOver(pixels, false, cdr).transfer[0]).not.toBe(cdr.buffer);
  });

  it("copies when transfer is not allowed, leaving the caller's array intact", () => {
    const data = new Uint8Array([4, 5, 6]);
    const h = handOver(data, false);
    expect(h.data).not.toBe(data);
    expect(h.transfer[0]).not.toBe(data.buffer);
  });

  it("really detaches a transferred buffer in postMessage", () => {
    const data = new Uint8Array(1024);
    const h = handOver(data, true);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(h.data, h.transfer);
    port1.close();
    port2.close();
    expect(data.byteLength).toBe(0);
  });
});
