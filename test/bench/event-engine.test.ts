/**
 * The event-engine benchmark's parts: the CSNN's shape, the synthetic stream (rate, time order,
 * packets of 1 ms), the runner (fast and reference engines agree; a second run repeats the
 * first) and the cost split's least squares. Timings are not tested (benchmarks are programs).
 */
import { describe, expect, it } from "vitest";
import {
  EventStreamRunner,
  eventNetShape,
  makeEventNetModel,
  syntheticEventStream,
} from "../../src/bench/event-engine-model.js";
import { costSplit } from "../../src/bench/event-engine.js";

describe("event-engine benchmark", () => {
  it("builds the NIR-paper-like CSNN for a 34×34 and a 128×128 sensor", () => {
    expect(eventNetShape(34).neurons).toEqual([16 * 32 * 32, 16 * 14 * 14, 128, 10]);
    expect(eventNetShape(128).neurons).toEqual([16 * 126 * 126, 16 * 61 * 61, 128, 10]);
    const m = makeEventNetModel(34);
    expect(m.spec.input.shape).toEqual([2, 34, 34]);
    expect(m.spec.input.encoder.type).toBe("events");
    expect(m.layers.filter((l) => l.neurons > 0).map((l) => l.neurons)).toEqual(
      eventNetShape(34).neurons,
    );
    expect(() => eventNetShape(8)).toThrow(/too small/);
  });

  it("streams `rate` events per second of sensor time, in time order, one packet per ms", () => {
    const packets = syntheticEventStream(34, 250_000, 0.02);
    expect(packets).toHaveLength(20);
    expect(packets.reduce((a, p) => a + p.count, 0)).toBe(5000);
    let last = -1n;
    packets.forEach((p, k) => {
      expect(p.count).toBe(250);
      for (let i = 0; i < p.count; i++) {
        expect(p.tOffsetNs[i]).toBeGreaterThanOrEqual(0);
        expect(p.tOffsetNs[i]).toBeLessThan(1_000_000);
        const t = p.baseNs + BigInt(p.tOffsetNs[i]);
        expect(t > last).toBe(true);
        last = t;
        expect(p.x[i]).toBeLessThan(34);
        expect(p.y[i]).toBeLessThan(34);
      }
      expect(p.baseNs - packets[0].baseNs).toBe(BigInt(k) * 1_000_000n);
    });
  });

  it("runs the stream on both engines alike, and a second run repeats the first", () => {
    const model = makeEventNetModel(34);
    const packets = syntheticEventStream(34, 1_000_000, 0.03);
    const fast = new EventStreamRunner(model, "fast");
    const a = fast.run(packets);
    expect(a.events).toBe(30_000);
    expect(a.ticks).toBe(30);
    expect(a.layerSpikes[0]).toBeGreaterThan(0);
    expect(fast.run(packets)).toEqual(a);
    const reference = new EventStreamRunner(model, "reference").run(packets);
    expect(reference.layerSpikes).toEqual(a.layerSpikes);
    expect(reference.checksum).toBe(a.checksum);
    expect(reference.synapticOps).toBe(a.synapticOps);
  });

  it("input cost follows the events, not the pixels: the same operations per event at 34×34 and 128×128", () => {
    const perEvent = (size: number) => {
      const r = new EventStreamRunner(makeEventNetModel(size)).run(
        syntheticEventStream(size, 200_000, 0.01),
      );
      return r.inputOps / r.events;
    };
    // Each event reaches 16 channels × 25 taps (fewer at the border: padding 1 of a 5×5 kernel).
    const small = perEvent(34);
    const large = perEvent(128);
    expect(small).toBeGreaterThan(300);
    expect(small).toBeLessThanOrEqual(400);
    expect(large).toBeGreaterThan(small);
    expect(large).toBeLessThanOrEqual(400);
  });

  it("splits µs per tick into a fixed part and a part per event by least squares", () => {
    const line = (e: number) => ({ eventsPerTick: e, usPerTick: 50 + 0.3 * e });
    expect(costSplit([line(100), line(1000), line(10_000)])).toEqual({
      fixedUsPerTick: 50,
      marginalNsPerEvent: 300,
    });
  });
});
