import fc from "fast-check";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  IMAGE_ERROR_REASONS,
  ImageError,
  ImagePreprocessor,
  decodeCompressed,
  parseCompressedFormat,
  type TensorSpec,
} from "../../src/image/index.js";
import { reference } from "./synth.js";

const W = 6;
const H = 4;
const RGB: TensorSpec = {
  shape: [3, H, W],
  preprocess: { color: "rgb", fit: "stretch", invert: false },
};

function rgb8(): Uint8Array {
  const ref = reference(W, H, 11);
  return Uint8Array.from(ref.rgb, (q) => q >> 8);
}

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).message.startsWith("frame 7: ")).toBe(true);
    return (error as ImageError).reason;
  }
  throw new Error("no error thrown");
}

describe("the CompressedImage format string", () => {
  it("reads image_transport's conventions", () => {
    expect(parseCompressedFormat("")).toEqual({ codec: "jpeg", depth: false });
    expect(parseCompressedFormat("jpeg")).toEqual({ codec: "jpeg", depth: false });
    expect(parseCompressedFormat("PNG")).toEqual({ codec: "png", depth: false });
    expect(parseCompressedFormat("bgr8")).toEqual({
      original: "bgr8",
      codec: "jpeg",
      depth: false,
    });
    expect(parseCompressedFormat("rgb8; jpeg compressed bgr8")).toEqual({
      original: "rgb8",
      codec: "jpeg",
      depth: false,
    });
    expect(parseCompressedFormat("mono16; png compressed mono16")).toEqual({
      original: "mono16",
      codec: "png",
      depth: false,
    });
    expect(parseCompressedFormat("16UC1; compressedDepth png")).toEqual({
      original: "16uc1",
      codec: "png",
      depth: true,
    });
  });
});

describe("decoding compressed frames with sharp", () => {
  it("png round trip is exact (rgb8)", async () => {
    const pixels = rgb8();
    const png = await sharp(pixels, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    const pre = new ImagePreprocessor(RGB);
    const t = await pre.fromCompressed({ format: "rgb8; png compressed rgb8", data: png });
    const n = W * H;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) expect(t[c * n + i]).toBeCloseTo(pixels[i * 3 + c] / 255, 6);
    }
  });

  it("png keeps 16-bit gray samples", async () => {
    const samples = new Uint16Array([0, 1000, 65535, 0x1234, 0xfedc, 7]);
    const png = await sharp(samples, { raw: { width: 3, height: 2, channels: 1 } })
      .toColourspace("grey16")
      .png()
      .toBuffer();
    const decoded = await decodeCompressed(
      { format: "mono16; png compressed mono16", data: png },
      "f",
      1e6,
    );
    expect(decoded.encoding).toBe("mono16");
    const pre = new ImagePreprocessor({
      shape: [1, 2, 3],
      preprocess: { color: "gray", fit: "stretch", invert: false },
    });
    const t = pre.fromRaw(decoded);
    samples.forEach((q, i) => expect(t[i]).toBeCloseTo(q / 65535, 6));
  });

  it("jpeg decodes close to the original (lossy), whatever format string it carries", async () => {
    const flat = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < 256; i++) flat.set([200, 60, 20], i * 3);
    const jpeg = await sharp(flat, { raw: { width: 16, height: 16, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    const pre = new ImagePreprocessor({
      shape: [3, 2, 2],
      preprocess: { color: "rgb", fit: "stretch", invert: false },
    });
    for (const format of ["", "jpeg", "bgr8; jpeg compressed bgr8"]) {
      const t = await pre.fromCompressed({ format, data: jpeg });
      [200, 60, 20].forEach((v, c) => {
        for (let i = 0; i < 4; i++) expect(Math.abs(t[c * 4 + i] - v / 255)).toBeLessThan(0.03);
      });
    }
  });

  it("gray png with alpha becomes one gray channel", async () => {
    const png = await sharp(new Uint8Array([10, 255, 20, 128, 30, 0, 40, 255]), {
      raw: { width: 2, height: 2, channels: 2 },
    })
      .toColourspace("b-w")
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(2);
    const decoded = await decodeCompressed({ format: "png", data: png }, "f", 1e6);
    expect(decoded.encoding).toBe("mono8");
    expect(Array.from(decoded.data)).toEqual([10, 20, 30, 40]);
  });

  it("refuses compressedDepth, unknown codecs, garbage, empty and oversized frames", async () => {
    const pre = new ImagePreprocessor(RGB, { maxPixels: 10 });
    const png = await sharp(rgb8(), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    expect(
      await reasonOf(
        pre.fromCompressed({ format: "16UC1; compressedDepth png", data: png }, "frame 7"),
      ),
    ).toBe("unsupported_format");
    expect(
      await reasonOf(pre.fromCompressed({ format: "rgb8; h264 compressed", data: png }, "frame 7")),
    ).toBe("unsupported_format");
    expect(
      await reasonOf(
        pre.fromCompressed({ format: "png", data: new Uint8Array([1, 2, 3]) }, "frame 7"),
      ),
    ).toBe("decode_failed");
    expect(
      await reasonOf(pre.fromCompressed({ format: "jpeg", data: png.subarray(0, 40) }, "frame 7")),
    ).toBe("decode_failed");
    expect(
      await reasonOf(pre.fromCompressed({ format: "jpeg", data: new Uint8Array(0) }, "frame 7")),
    ).toBe("zero_size");
    expect(await reasonOf(pre.fromCompressed({ format: "png", data: png }, "frame 7"))).toBe(
      "too_large",
    );
  });

  it("fuzz: random bytes after a real header give a tensor or an ImageError", async () => {
    const png = await sharp(rgb8(), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    const pre = new ImagePreprocessor(RGB);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 0, max: png.length }),
        fc.constantFrom("png", "jpeg", "", "rgb8; png compressed rgb8", "tiff"),
        async (noise, cut, format) => {
          const data = new Uint8Array(cut + noise.length);
          data.set(png.subarray(0, cut));
          data.set(noise, cut);
          try {
            const t = await pre.fromCompressed({ format, data });
            for (const v of t) expect(Number.isFinite(v)).toBe(true);
          } catch (error) {
            if (!(error instanceof ImageError)) throw error;
            expect(IMAGE_ERROR_REASONS).toContain(error.reason);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
