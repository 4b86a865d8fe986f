/**
 * Every MCAP chunk we write decodes under decoders we did not write: lz4 chunks under a strict
 * decoder (test/support/lz4-strict.ts, the block format's end-of-block rules against each block's
 * own end) and under liblz4 (@foxglove/wasm-lz4, what rosbag2 and python3-lz4 use); zstd chunks
 * under fzstd (an independent pure-JS zstd). The oracles are first checked against fixtures written
 * by liblz4 and libzstd (test/fixtures/compression, made by make_fixtures.py there).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { crc32 } from "@foxglove/crc";
import fc from "fast-check";
import { decompress as fzstdDecompress } from "fzstd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrameRenderer } from "../../src/bag/camera-sample.js";
import { McapBagWriter, openBag, nanosecondsToStamp } from "../../src/bag/index.js";
import { LZ4_MAX_BLOCK, lz4Frame } from "../../src/bag/lz4-frame.js";
import { codecFor, type RawImage } from "../../src/messages/index.js";
import { decodeLz4FrameStrict, Lz4StrictError } from "../support/lz4-strict.js";
import { collect, T0, FRAME_NS, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

type Liblz4 = ((src: Uint8Array, size: number) => Uint8Array) & { isLoaded: Promise<boolean> };
const require = createRequire(import.meta.url);
/**
 * A new instance of @foxglove/wasm-lz4: it keeps one LZ4F decompression context for all calls and
 * does not reset it after an error, so after a refused frame every later call would fail too.
 */
async function loadLiblz4(): Promise<Liblz4> {
  const key = require.resolve("@foxglove/wasm-lz4");
  const shared = require.cache[key];
  delete require.cache[key];
  const mod = require("@foxglove/wasm-lz4") as Liblz4;
  // Leave the cached instance (the one our MCAP reader imports) as it was.
  if (shared) require.cache[key] = shared;
  else delete require.cache[key];
  await mod.isLoaded;
  return mod;
}
let liblz4Module: Liblz4;
beforeAll(async () => {
  liblz4Module = await loadLiblz4();
});

const fixtureDir = new URL("../fixtures/compression/", import.meta.url).pathname;
const fixture = (name: string) => new Uint8Array(readFileSync(join(fixtureDir, name)));
const expected = JSON.parse(readFileSync(join(fixtureDir, "expected.json"), "utf8")) as {
  files: Record<string, { verdict: string; bytes?: number; sha256?: string }>;
};
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** liblz4's frame decoder; `capacity` is the output buffer it is given. */
function liblz4(frame: Uint8Array, capacity: number): Uint8Array {
  return new Uint8Array(liblz4Module(frame, capacity));
}

/** liblz4's error for a frame it refuses, from an instance used for nothing else. */
async function liblz4Refusal(frame: Uint8Array, capacity: number): Promise<string> {
  const own = await loadLiblz4();
  try {
    own(frame, capacity);
    return "accepted";
  } catch (err) {
    return (err as Error).message;
  }
}

describe("the decoders used as oracles agree with liblz4 and libzstd (python3-lz4/-zstandard fixtures)", () => {
  it("a liblz4 frame (64 KiB linked blocks, block and content checksums, content size) decodes strictly to liblz4's bytes", () => {
    const e = expected.files["liblz4-image.lz4"];
    const out = decodeLz4FrameStrict(fixture("liblz4-image.lz4"));
    expect([out.length, sha256(out)]).toEqual([e.bytes, e.sha256]);
    expect(sha256(liblz4(fixture("liblz4-image.lz4"), e.bytes!))).toBe(e.sha256);
  });

  it("a last match 10 bytes before a full block's end: liblz4 refuses it, and so does the strict decoder", async () => {
    expect(expected.files["last-match-10-full-block.lz4"].verdict).toBe("rejected");
    const frame = fixture("last-match-10-full-block.lz4");
    expect(await liblz4Refusal(frame, 65536)).toMatch(/error during decompression/i);
    expect(() => decodeLz4FrameStrict(frame)).toThrow(
      /last match starts 10 bytes before the block end; the format wants at least 12/,
    );
  });

  it("the same fault in a short block: liblz4 lets it through, the strict decoder does not (why it is the oracle)", () => {
    expect(expected.files["last-match-10-short-block.lz4"].verdict).toBe("accepted");
    const frame = fixture("last-match-10-short-block.lz4");
    expect(liblz4(frame, 65536).length).toBe(1000);
    expect(() => decodeLz4FrameStrict(frame)).toThrow(Lz4StrictError);
  });

  it.each(["libzstd-image.zst", "libzstd-image-stream.zst"])(
    "fzstd decodes %s (libzstd, with and without content size) to libzstd's bytes",
    (name) => {
      const e = expected.files[name];
      const out = fzstdDecompress(fixture(name));
      expect([out.length, sha256(out)]).toEqual([e.bytes, e.sha256]);
    },
  );
});

interface RawChunk {
  compression: string;
  uncompressedSize: number;
  uncompressedCrc: number;
  records: Uint8Array;
}

/** The Chunk records of an MCAP file, read from its bytes (MCAP spec, op 0x06). */
function mcapChunks(file: string): RawChunk[] {
  const b = new Uint8Array(readFileSync(file));
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const chunks: RawChunk[] = [];
  for (let p = 8; p + 9 <= b.length;) {
    const op = b[p];
    const len = Number(v.getBigUint64(p + 1, true));
    const body = p + 9;
    p = body + len;
    if (op === 0x0f) break; // Footer
    if (op !== 0x06) continue;
    const uncompressedSize = Number(v.getBigUint64(body + 16, true));
    const uncompressedCrc = v.getUint32(body + 24, true);
    const nameLen = v.getUint32(body + 28, true);
    const compression = new TextDecoder().decode(b.subarray(body + 32, body + 32 + nameLen));
    const at = body + 32 + nameLen;
    const recordsLen = Number(v.getBigUint64(at, true));
    chunks.push({
      compression,
      uncompressedSize,
      uncompressedCrc,
      records: b.subarray(at + 8, at + 8 + recordsLen),
    });
  }
  return chunks;
}

/** The 20 fashion-mnist images of fm_mono8_20.mcap (written by mcap-ros2-support, not by us). */
async function fashionImages(): Promise<Uint8Array[]> {
  const bag = await openBag(new URL("../fixtures/bags/fm_mono8_20.mcap", import.meta.url).pathname);
  const codec = bag.codecFor("/camera/image_raw");
  const images = (await collect(bag.messages())).map(
    (m) => (codec.decode(m.data) as RawImage).data,
  );
  await bag.close();
  return images;
}

/** A 640×480 camera bag of those images, as sample-bag writes it (4 MiB chunks). */
async function writeCameraBag(
  name: string,
  compression: "lz4" | "zstd",
  encoding: "rgb8" | "mono8",
  frames: number,
): Promise<string> {
  const images = await fashionImages();
  const renderer = new FrameRenderer(28, 28, 640, 480);
  const bag = await McapBagWriter.create(join(tmp.dir, name), { compression });
  await bag.addTopic({ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" });
  const codec = codecFor("sensor_msgs/msg/Image");
  for (let i = 0; i < frames; i++) {
    const src = images[(i * 7) % images.length];
    const t = T0 + BigInt(i) * FRAME_NS;
    await bag.write(
      "/camera/image_raw",
      codec.encode({
        header: { stamp: nanosecondsToStamp(t), frame_id: "camera_optical_frame" },
        height: 480,
        width: 640,
        encoding,
        is_bigendian: 0,
        step: encoding === "rgb8" ? 640 * 3 : 640,
        data: encoding === "rgb8" ? renderer.renderRgb(src) : renderer.renderGray(src),
      }),
      t,
    );
  }
  return (await bag.close()).file;
}

function expectChunkIntact(c: RawChunk, decoded: Uint8Array): void {
  expect(decoded.length).toBe(c.uncompressedSize);
  expect(crc32(decoded)).toBe(c.uncompressedCrc);
}

describe.each([
  ["rgb8", 30],
  ["mono8", 90],
] as const)("camera bags of 640×480 %s frames, multi-MiB chunks", (encoding, frames) => {
  it(`lz4: every chunk decodes under the strict decoder and under liblz4 with an exact-size buffer`, async () => {
    const file = await writeCameraBag(`lz4-${encoding}`, "lz4", encoding, frames);
    const chunks = mcapChunks(file);
    expect(chunks.length).toBeGreaterThan(3);
    // chunks whose first LZ4 block is a full 4 MiB one: where lz4js's blocks were refused
    expect(chunks.filter((c) => c.uncompressedSize > LZ4_MAX_BLOCK).length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.compression).toBe("lz4");
      const strict = decodeLz4FrameStrict(c.records);
      expectChunkIntact(c, strict);
      expect(sha256(liblz4(c.records, c.uncompressedSize))).toBe(sha256(strict));
    }
    // and the bag reads to the end
    const bag = await openBag(file);
    const read = (await collect(bag.messages())).length;
    expect(bag.problems).toEqual([]);
    expect(read).toBe(frames);
    await bag.close();
  });

  it(`zstd: every chunk decodes under fzstd`, async () => {
    const file = await writeCameraBag(`zstd-${encoding}`, "zstd", encoding, frames);
    const chunks = mcapChunks(file);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.compression).toBe("zstd");
      expectChunkIntact(c, fzstdDecompress(c.records));
    }
  });
});

const hasPythonLz4 =
  existsSync("/usr/bin/python3") &&
  spawnSync("/usr/bin/python3", ["-c", "import lz4.frame, zstandard"]).status === 0;

describe("python3-lz4 / python3-zstandard (liblz4, libzstd) on the same chunks", () => {
  it.skipIf(!hasPythonLz4)(
    "decode every chunk of an lz4 and a zstd rgb8 bag (skipped where Debian's python3-lz4 and python3-zstandard are not installed)",
    async () => {
      const files = [
        await writeCameraBag("py-lz4", "lz4", "rgb8", 20),
        await writeCameraBag("py-zstd", "zstd", "rgb8", 20),
      ];
      const script = [
        "import sys, lz4.frame, zstandard",
        "for line in sys.stdin.read().split():",
        "    path, comp, size = line.split(',')",
        "    data = open(path, 'rb').read()",
        "    out = lz4.frame.decompress(data) if comp == 'lz4' else zstandard.ZstdDecompressor().decompress(data, max_output_size=int(size))",
        "    assert len(out) == int(size), (path, len(out), size)",
        "print('ok')",
      ].join("\n");
      const lines: string[] = [];
      files.forEach((f, i) =>
        mcapChunks(f).forEach((c, j) => {
          const path = join(tmp.dir, `chunk-${i}-${j}.bin`);
          writeFileSync(path, c.records);
          lines.push(`${path},${c.compression},${c.uncompressedSize}`);
        }),
      );
      const r = spawnSync("/usr/bin/python3", ["-c", script], { input: lines.join("\n") });
      expect(r.stderr.toString()).toBe("");
      expect(r.stdout.toString().trim()).toBe("ok");
    },
  );
});

describe("lz4Frame", () => {
  it("round-trips around block boundaries and the smallest inputs, within the end-of-block rules", () => {
    for (const n of [0, 1, 5, 12, 13, 64, LZ4_MAX_BLOCK - 1, LZ4_MAX_BLOCK, LZ4_MAX_BLOCK + 13]) {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = (i >> 6) & 0x0f; // runs: compressible, matches to the end
      const frame = lz4Frame(data);
      expect(sha256(decodeLz4FrameStrict(frame))).toBe(sha256(data));
      expect(sha256(liblz4(frame, n))).toBe(sha256(data));
    }
  });

  it("fuzz: repetitive byte strings survive the strict decoder and liblz4 with an exact buffer", () => {
    const piece = fc.uint8Array({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(piece, fc.integer({ min: 1, max: 30 })), { maxLength: 20 }),
        (parts) => {
          const bytes = parts.flatMap(([p, times]) =>
            Array.from({ length: times }, () => [...p]).flat(),
          );
          const data = Uint8Array.from(bytes);
          const frame = lz4Frame(data);
          expect(decodeLz4FrameStrict(frame)).toEqual(data);
          expect(liblz4(frame, data.length)).toEqual(data);
        },
      ),
      { numRuns: 300 },
    );
  });
});
