/**
 * The recordings event_camera_codecs ships, decoded by our decoders, give the numbers its own C++
 * tests assert (event_camera_codecs test/decoder_test.cpp@656bd53: evt3_decode, mono_cd_decode,
 * libcaer_decode, libcaer_summarize, libcaer_find_first, and the checksums and last times of the
 * ten *_decode_until_* tests, as the events dated before each time limit).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { EventStreamDecoder, problemsOf } from "../../src/events/index.js";
import type { EventPacket } from "../../src/messages/index.js";
import { CheckSums, EVT3_BAG, LIBCAER_BAG, MONO_BAG, readPackets } from "./helpers.js";

function decodeAll(packets: EventPacket[]): { sums: CheckSums; problems: Set<string> } {
  const stream = new EventStreamDecoder();
  const sums = new CheckSums();
  const problems = new Set<string>();
  let outside = 0;
  for (const p of packets) {
    const report = stream.decode(p);
    for (const r of problemsOf(report.problems)) problems.add(r);
    sums.add(stream.batch);
    // Their CheckSumProcessor asserts every address is inside the sensor.
    for (let i = 0; i < stream.batch.count; i++) {
      if (stream.batch.x[i] >= p.width || stream.batch.y[i] >= p.height) outside++;
    }
  }
  expect(outside).toBe(0);
  return { sums, problems };
}

const U64 = (1n << 64n) - 1n;

/** Their decodeUntil checksums: every event dated before `limit`, and the last such time. */
function sumsBefore(packets: EventPacket[], limit: bigint) {
  const stream = new EventStreamDecoder();
  const sums = { t: 0n, x: 0, y: 0, p: 0, last: 0n };
  for (const packet of packets) {
    stream.decode(packet);
    const b = stream.batch;
    for (let i = 0; i < b.count; i++) {
      const t = b.timeNs(i);
      if (t >= limit) continue;
      sums.t = (sums.t + t) & U64;
      sums.x += b.x[i];
      sums.y += b.y[i];
      sums.p += b.polarity[i];
      sums.last = t;
    }
  }
  return sums;
}

// [test name, limit, t, x, y, p, last time] from decoder_test.cpp.
type Until = [string, bigint, bigint, number, number, number, bigint];

describe("evt3 bag with external triggers (1280×720, 105 packets)", () => {
  let packets: EventPacket[];
  beforeAll(async () => {
    packets = await readPackets(EVT3_BAG);
  });

  it("is what its metadata says", () => {
    expect(packets).toHaveLength(105);
    expect(new Set(packets.map((p) => `${p.encoding} ${p.width}x${p.height}`))).toEqual(
      new Set(["evt3 1280x720"]),
    );
  });

  it("decodes to evt3_decode's checksums", () => {
    const { sums } = decodeAll(packets);
    expect(sums.t).toBe(1222326831810000n);
    expect(sums.x).toBe(42078718n);
    expect(sums.y).toBe(31656267n);
    expect(sums.p).toBe(41439n);
    expect(sums.triggerT).toBe(29096982000n);
    expect(sums.triggerEdge).toBe(1n);
    expect(sums.triggerId).toBe(0n);
    expect(sums.backwards).toBe(0);
  });
});

const EVT3_UNTIL: Until[] = [
  ["evt3_decode_until_first", 14252072000n, 29004181874000n, 897009, 773502, 1028, 14252063000n],
  ["evt3_decode_until_middle", 14251634000n, 28491115518000n, 880131, 758865, 1006, 14251630000n],
  ["evt3_decode_until_last", 14252063000n, 28989929811000n, 896982, 773451, 1027, 14252047000n],
];
const MONO_UNTIL: Until[] = [
  ["mono_cd_decode_until_first", 50000n, 1225000n, 17225, 13225, 25, 49000n],
  ["mono_cd_decode_until_middle", 80000n, 3160000n, 27260, 20860, 40, 79000n],
  ["mono_cd_decode_until_last", 49000n, 1176000n, 16856, 12936, 24, 48000n],
];
const LIBCAER_UNTIL: Until[] = [
  ["libcaer_decode_until_very_first", 1702309120762236018n, 0n, 0, 0, 0, 0n],
  [
    "libcaer_decode_until_first",
    1702309120772229018n,
    15706488888233371866n,
    533572,
    401707,
    872,
    1702309120772213018n,
  ],
  [
    "libcaer_decode_until_middle",
    1702309120773239018n,
    3141897757159270998n,
    582593,
    442271,
    951,
    1702309120773233018n,
  ],
  [
    "libcaer_decode_until_last",
    1702309120782222018n,
    12099893362926800844n,
    1068301,
    808043,
    1788,
    1702309120782216018n,
  ],
];

describe.each([
  ["evt3", EVT3_BAG, EVT3_UNTIL],
  ["mono", MONO_BAG, MONO_UNTIL],
  ["libcaer", LIBCAER_BAG, LIBCAER_UNTIL],
] as const)("%s: the events before a time limit", (_name, bag, cases) => {
  let packets: EventPacket[];
  beforeAll(async () => {
    packets = await readPackets(bag);
  });
  it.each(cases)("%s", (_test, limit, t, x, y, p, last) => {
    expect(sumsBefore(packets, limit)).toEqual({ t, x, y, p, last });
  });
});

describe("libcaer bag whose 31-bit µs time rolls over (640×480, 201 packets)", () => {
  let packets: EventPacket[];
  beforeAll(async () => {
    packets = await readPackets(LIBCAER_BAG);
  });

  it("decodes to libcaer_decode's checksums", () => {
    expect(packets).toHaveLength(201);
    const { sums } = decodeAll(packets);
    expect(sums.t).toBe(15762826572202229126n);
    expect(sums.x).toBe(111651612n);
    expect(sums.y).toBe(82801007n);
    expect(sums.p).toBe(181908n);
  });

  it("summarizes its first packet as libcaer_summarize does", () => {
    const stream = new EventStreamDecoder();
    stream.decode(packets[0]);
    const b = stream.batch;
    expect(b.timeNs(0)).toBe(1702309120762236018n);
    expect(b.timeNs(b.count - 1)).toBe(1702309120772213018n);
    expect(b.count - b.onCount()).toBe(741);
    expect(b.onCount()).toBe(872);
  });

  it("finds the first time of its second packet as libcaer_find_first does", () => {
    const stream = new EventStreamDecoder();
    stream.decode(packets[1]);
    expect(stream.batch.timeNs(0)).toBe(1702309120772229018n);
  });
});

describe("legacy mono bag typed event_array_msgs/msg/EventArray", () => {
  it("decodes to mono_cd_decode's checksums", async () => {
    const packets = await readPackets(MONO_BAG);
    expect(packets).toHaveLength(2);
    const { sums, problems } = decodeAll(packets);
    expect(sums.t).toBe(4950000n);
    expect(sums.x).toBe(34450n);
    expect(sums.y).toBe(26450n);
    expect(sums.p).toBe(50n);
    expect([...problems]).toEqual([]);
  });
});
