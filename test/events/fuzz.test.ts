/**
 * Fuzzing every decoder with random packets and with mutations of real ones (bit flips, cuts,
 * spliced bytes, odd offsets): no decoder throws, every event it writes lies inside the sensor with
 * an exact integer time, and the stream goes on decoding afterwards.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ENCODINGS,
  EventStreamDecoder,
  PROBLEM_REASONS,
  createDecoder,
  EventBatch,
} from "../../src/events/index.js";
import type { EventPacket } from "../../src/messages/index.js";
import { EVT3_BAG, LIBCAER_BAG, MONO_BAG, readPackets } from "./helpers.js";

const ALL_BITS = (1 << PROBLEM_REASONS.length) - 1;

function checkBatch(b: EventBatch, width: number, height: number): void {
  expect(b.count).toBeLessThanOrEqual(b.capacity);
  // Count violations in plain loops (an expect per event would dominate the run time).
  let bad = 0;
  for (let i = 0; i < b.count; i++) {
    if (width > 0 && b.x[i] >= width) bad++;
    if (height > 0 && b.y[i] >= height) bad++;
    if (b.polarity[i] > 1) bad++;
    if (!Number.isSafeInteger(b.tOffsetNs[i])) bad++;
  }
  for (let i = 0; i < b.triggerCount; i++) {
    if (!Number.isSafeInteger(b.triggerOffsetNs[i]) || b.triggerEdge[i] > 1) bad++;
  }
  expect(bad).toBe(0);
  if (b.count > 0) expect(typeof b.timeNs(b.count - 1)).toBe("bigint");
}

const packetArb = (bytes: fc.Arbitrary<Uint8Array>) =>
  fc.record({
    width: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2048 })),
    height: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2048 })),
    time_base: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    encoding: fc.constantFrom(...ENCODINGS, "evt2", ""),
    is_bigendian: fc.boolean(),
    events: bytes,
    offset: fc.integer({ min: 0, max: 7 }),
  });

/** The packet's bytes placed at `offset` inside a larger buffer, as CDR would. */
function placed(p: { events: Uint8Array; offset: number }): Uint8Array {
  const buf = new Uint8Array(p.events.length + p.offset + 3);
  buf.set(p.events, p.offset);
  return buf.subarray(p.offset, p.offset + p.events.length);
}

describe("decoders under random packets", () => {
  it("never throw, and write only in-range events with exact times", () => {
    fc.assert(
      fc.property(
        fc.array(packetArb(fc.uint8Array({ maxLength: 2000 })), { maxLength: 6 }),
        (packets) => {
          const stream = new EventStreamDecoder();
          for (const p of packets) {
            const report = stream.decode({ ...p, events: placed(p) });
            expect(report.problems & ~ALL_BITS).toBe(0);
            expect(report.dropped).toBeGreaterThanOrEqual(0);
            checkBatch(stream.batch, p.width, p.height);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it.each(ENCODINGS)("%s: each decoder alone survives random words", (encoding) => {
    const d = createDecoder(encoding)!;
    const out = new EventBatch(1, 1);
    fc.assert(
      fc.property(packetArb(fc.uint8Array({ maxLength: 4000 })), (p) => {
        d.decode({ ...p, encoding, events: placed(p) }, out);
        checkBatch(out, p.width, p.height);
      }),
      { numRuns: 300 },
    );
  });
});

describe("decoders under mutated real packets", () => {
  const real: EventPacket[] = [];
  beforeAll(async () => {
    for (const bag of [EVT3_BAG, LIBCAER_BAG, MONO_BAG]) {
      const packets = await readPackets(bag);
      real.push(...packets.slice(0, 6));
    }
  });

  it("bit flips, cuts and splices: no crash, the stream goes on", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            which: fc.nat(),
            flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 20 }),
            cut: fc.option(fc.nat()),
            splice: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 9 }))),
            offset: fc.integer({ min: 0, max: 7 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (mutations) => {
          const stream = new EventStreamDecoder();
          for (const m of mutations) {
            const src = real[m.which % real.length];
            let bytes = src.events.slice();
            for (const [at, bit] of m.flips)
              if (bytes.length > 0) bytes[at % bytes.length] ^= 1 << bit;
            if (m.cut !== null && bytes.length > 0) bytes = bytes.slice(0, m.cut % bytes.length);
            if (m.splice !== null) {
              const at = bytes.length === 0 ? 0 : m.splice[0] % bytes.length;
              bytes = new Uint8Array([
                ...bytes.subarray(0, at),
                ...m.splice[1],
                ...bytes.subarray(at),
              ]);
            }
            const p = { ...src, events: placed({ events: bytes, offset: m.offset }) };
            stream.decode(p);
            checkBatch(stream.batch, p.width, p.height);
          }
          // After the damage, an intact packet of the same stream still decodes.
          const intact = real[mutations[0].which % real.length];
          stream.decode(intact);
          checkBatch(stream.batch, intact.width, intact.height);
        },
      ),
      { numRuns: 150 },
    );
  });
});
