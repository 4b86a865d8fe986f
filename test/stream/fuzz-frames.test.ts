/**
 * Fuzzing the node's frame path as a subscriber meets it (issue 16): 10 000 generated messages
 * of each subscribed type, CDR bytes → our decoder → the worker's frame processor (image types)
 * or the event stream decoder (EventPacket). Every message must end as a result or as an error
 * with a countable reason; none may throw, crash or be an internal error. Frames whose header
 * claims more than max_image_pixels are refused as too_large by the header check, which runs
 * before any buffer is sized for the frame.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventStreamDecoder } from "../../src/events/index.js";
import { CdrDecodeError, codecFor } from "../../src/messages/index.js";
import { createFrameProcessor, type FrameProcessor } from "../../src/stream/processor.js";
import { writeTinyModel, type TinyModel } from "./tiny-model.js";

const RUNS = 10_000;
const MAX_PIXELS = 1 << 16;
let tiny: TinyModel;
let processor: FrameProcessor;

beforeAll(async () => {
  tiny = await writeTinyModel();
  processor = await createFrameProcessor({
    model: tiny.dir,
    timesteps: 2,
    maxImagePixels: MAX_PIXELS,
  });
});
afterAll(() => tiny.cleanup());

const header = fc.record({
  stamp: fc.record({
    sec: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    nanosec: fc.integer({ min: 0, max: 999_999_999 }),
  }),
  frame_id: fc.string({ maxLength: 8 }),
});
/** Sizes from plausible to impossible (2^32 − 1 wide, a zero side, huge products). */
const side = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.constantFrom(0, 1, 255, 4096, 65_535, 2 ** 31, 2 ** 32 - 1),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
const ENCODINGS = [
  "mono8",
  "mono16",
  "rgb8",
  "bgr8",
  "rgba8",
  "bgra8",
  "8UC1",
  "8UC3",
  "16UC1",
  "32FC1",
  "bayer_rggb8",
  "yuv422",
  "nv21",
  "jpeg",
  "",
  "RGB8",
  "rgb9",
  "mono8; junk",
];
/** A placeholder string whose bytes are overwritten with invalid UTF-8 after encoding. */
const BAD_UTF8 = "\u0001\u0002\u0003\u0004";

function withBadUtf8(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i + 4 <= out.length; i++)
    if (out[i] === 1 && out[i + 1] === 2 && out[i + 2] === 3 && out[i + 3] === 4) {
      out.set([0xff, 0xc3, 0x28, 0xa0], i);
    }
  return out;
}

/** Encoded bytes, one time in four with a flipped byte, one in six cut short. */
const sometimes = <T>(a: fc.Arbitrary<T>, one: number) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: one - 1 }, { arbitrary: a, weight: 1 });
const damage = fc.record({
  flip: sometimes(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), 4),
  cut: sometimes(fc.nat(), 6),
});
function damaged(bytes: Uint8Array, d: { flip: [number, number] | null; cut: number | null }) {
  let out = bytes;
  if (d.flip) {
    out = out.slice();
    out[d.flip[0] % out.length] ^= d.flip[1];
  }
  if (d.cut !== null) out = out.subarray(0, d.cut % (out.length + 1));
  return out;
}

async function throughNode(kind: "image" | "compressed", bytes: Uint8Array): Promise<string> {
  const codec = codecFor(
    kind === "image" ? "sensor_msgs/msg/Image" : "sensor_msgs/msg/CompressedImage",
  );
  let message;
  try {
    message = codec.decode(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(CdrDecodeError);
    return "cdr";
  }
  const reply = await processor.process(1, { kind, message } as never);
  expect(reply.type === "result" || reply.type === "error").toBe(true);
  if (reply.type === "error") {
    expect(reply.reason, reply.message).not.toBe("internal_error");
    return reply.reason;
  }
  return "result";
}

describe("fuzzing every subscribed type (10 000 messages each)", () => {
  it("sensor_msgs/Image: impossible headers, short data, unknown encodings, bad UTF-8", async () => {
    const codec = codecFor("sensor_msgs/msg/Image");
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        header,
        fc.oneof(
          // Consistent frames (a result must come out) ...
          fc
            .record({
              height: fc.integer({ min: 1, max: 32 }),
              width: fc.integer({ min: 1, max: 32 }),
              encoding: fc.constantFrom("mono8", "rgb8", "bgr8", "mono16"),
              pad: fc.integer({ min: 0, max: 8 }),
            })
            .chain(({ height, width, encoding, pad }) => {
              const bytes = encoding === "mono8" ? 1 : encoding === "mono16" ? 2 : 3;
              const step = width * bytes + pad;
              return fc.record({
                height: fc.constant(height),
                width: fc.constant(width),
                encoding: fc.constant(encoding),
                step: fc.constant(step),
                data: fc.uint8Array({ minLength: step * height, maxLength: step * height }),
              });
            }),
          // ... and anything at all in every field.
          fc.record({
            height: side,
            width: side,
            encoding: fc.oneof(
              fc.constantFrom(...ENCODINGS),
              fc.string({ maxLength: 10 }),
              fc.constant(BAD_UTF8),
            ),
            step: fc.oneof(side, fc.integer({ min: 0, max: 256 })),
            data: fc.uint8Array({ maxLength: 2048 }),
          }),
        ),
        fc.integer({ min: 0, max: 1 }),
        damage,
        async (h, frame, is_bigendian, d) => {
          const bytes = codec.encode({ header: h, ...frame, is_bigendian });
          const reason = await throughNode("image", damaged(withBadUtf8(bytes), d));
          seen.set(reason, (seen.get(reason) ?? 0) + 1);
        },
      ),
      { numRuns: RUNS, seed: 16 },
    );
    // The generator reaches the interesting outcomes, so the property is not vacuous.
    for (const r of ["cdr", "result", "too_large", "unsupported_encoding"])
      expect(seen.get(r) ?? 0, `${r}: ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
  }, 240_000);

  it("sensor_msgs/CompressedImage: random and damaged JPEG/PNG payloads, bad formats", async () => {
    const codec = codecFor("sensor_msgs/msg/CompressedImage");
    // A real 8×8 PNG and JPEG to mutate.
    const sharp = (await import("sharp")).default;
    const raw = { raw: { width: 8, height: 8, channels: 3 as const } };
    const px = Buffer.alloc(8 * 8 * 3, 120);
    const png = new Uint8Array(await sharp(px, raw).png().toBuffer());
    const jpeg = new Uint8Array(await sharp(px, raw).jpeg().toBuffer());
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        header,
        fc.constantFrom(
          "jpeg",
          "png",
          "rgb8; jpeg compressed bgr8",
          "",
          "gif",
          "16UC1; compressedDepth",
          BAD_UTF8,
        ),
        fc.oneof(fc.constant(png), fc.constant(jpeg), fc.uint8Array({ maxLength: 512 })),
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { freq: 2 }),
        damage,
        async (h, format, payload, payloadFlip, d) => {
          const data = payload.slice();
          if (payloadFlip && data.length) data[payloadFlip[0] % data.length] ^= payloadFlip[1];
          const bytes = codec.encode({ header: h, format, data });
          const reason = await throughNode("compressed", damaged(withBadUtf8(bytes), d));
          seen.set(reason, (seen.get(reason) ?? 0) + 1);
        },
      ),
      { numRuns: RUNS, seed: 16 },
    );
    for (const r of ["cdr", "result"])
      expect(seen.get(r) ?? 0, `${r}: ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
  }, 240_000);

  it("event_camera_msgs/EventPacket: every encoding, random words, damaged packets", () => {
    const codec = codecFor("event_camera_msgs/msg/EventPacket");
    const decoder = new EventStreamDecoder();
    let decoded = 0;
    fc.assert(
      fc.property(
        header,
        fc.integer({ min: 0, max: 2048 }),
        fc.integer({ min: 0, max: 2048 }),
        fc.constantFrom("evt3", "libcaer_cmp", "libcaer", "mono", "trigger", "evt2", BAD_UTF8),
        fc.boolean(),
        fc.uint8Array({ maxLength: 1024 }),
        damage,
        (h, height, width, encoding, is_bigendian, events, d) => {
          const bytes = codec.encode({
            header: h,
            height,
            width,
            seq: 1n,
            time_base: 1_700_000_000_000_000_000n,
            encoding,
            is_bigendian,
            events,
          });
          let packet;
          try {
            packet = codec.decode(damaged(withBadUtf8(bytes), d));
          } catch (err) {
            expect(err).toBeInstanceOf(CdrDecodeError);
            return;
          }
          const report = decoder.decode(packet as never);
          expect(typeof report.problems).toBe("number");
          decoded++;
        },
      ),
      { numRuns: RUNS, seed: 16 },
    );
    expect(decoded).toBeGreaterThan(RUNS / 4);
  }, 240_000);
});
