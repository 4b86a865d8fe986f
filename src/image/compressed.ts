/**
 * sensor_msgs/CompressedImage → raw pixels, decoded with sharp (libvips).
 *
 * The `format` field follows image_transport: "ORIG_PIXFMT; CODEC compressed [COMPRESSED_PIXFMT]"
 * (e.g. "rgb8; jpeg compressed bgr8"), or just the codec ("jpeg", "png"); empty means jpeg.
 * Whatever channel order the publisher compressed from, the codec stores colour, and the decoded
 * pixels come back as RGB (or gray, or 16-bit for 16-bit PNGs). compressedDepth images (depth
 * maps with a private header) are refused.
 */
import sharp from "sharp";
import { ImageError } from "./errors.js";
import type { CompressedPixels, RawPixels } from "./types.js";

const CODECS = new Set(["jpeg", "jpg", "png", "tiff", "webp"]);

export interface CompressedFormat {
  /** Encoding of the image before compression, when the string names it. */
  original?: string;
  codec: string;
  /** compressedDepth (a depth map with image_transport's private header). */
  depth: boolean;
}

export function parseCompressedFormat(format: string): CompressedFormat {
  const text = format.trim().toLowerCase();
  if (text === "") return { codec: "jpeg", depth: false };
  const parts = text.split(";").map((p) => p.trim());
  const [first, second] = parts;
  if (second === undefined) {
    // A bare codec, or a bare pixel format (older publishers), which then means jpeg.
    if (CODECS.has(first)) return { codec: first, depth: false };
    return { original: first, codec: "jpeg", depth: false };
  }
  const words = second.split(/\s+/);
  if (words[0] === "compresseddepth") {
    return { original: first, codec: words[1] ?? "png", depth: true };
  }
  return { original: first, codec: words[0], depth: false };
}

/**
 * Decode a compressed frame into an image the raw path reads ("mono8", "rgb8", "mono16" or
 * "rgb16", rows unpadded). Frames beyond maxPixels are refused before their pixels are decoded.
 */
export async function decodeCompressed(
  message: CompressedPixels,
  frame: string,
  maxPixels: number,
): Promise<RawPixels> {
  const format = parseCompressedFormat(message.format);
  if (format.depth) {
    throw new ImageError(
      "unsupported_format",
      frame,
      `CompressedImage format "${message.format}" is a compressedDepth image, which is not supported; subscribe to the raw depth topic instead`,
    );
  }
  if (!CODECS.has(format.codec)) {
    throw new ImageError(
      "unsupported_format",
      frame,
      `CompressedImage format "${message.format}" names codec "${format.codec}"; supported codecs are jpeg and png (also tiff, webp)`,
    );
  }
  if (!(message.data instanceof Uint8Array) || message.data.length === 0) {
    throw new ImageError("zero_size", frame, "CompressedImage has no data");
  }
  try {
    const input = sharp(message.data, { limitInputPixels: maxPixels, failOn: "error" });
    const meta = await input.metadata();
    const gray = meta.space === "b-w" || meta.space === "grey16";
    const sixteen = meta.depth === "ushort";
    const space = gray ? (sixteen ? "grey16" : "b-w") : sixteen ? "rgb16" : "srgb";
    const { data, info } = await input
      .removeAlpha()
      .toColourspace(space)
      .raw({ depth: sixteen ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
    const channels = info.channels;
    const bytes = sixteen ? 2 : 1;
    if (
      (channels !== 1 && channels !== 3) ||
      data.length !== info.width * info.height * channels * bytes
    ) {
      throw new ImageError(
        "decode_failed",
        frame,
        `decoding "${message.format}" gave ${channels} channels of ${sixteen ? 16 : 8}-bit samples; expected gray or RGB`,
      );
    }
    return {
      width: info.width,
      height: info.height,
      encoding: `${channels === 1 ? "mono" : "rgb"}${sixteen ? 16 : 8}`,
      // sharp hands 16-bit samples back in this machine's byte order.
      is_bigendian: sixteen && isBigEndianHost() ? 1 : 0,
      step: info.width * channels * bytes,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    if (error instanceof ImageError) throw error;
    const text = error instanceof Error ? error.message.split("\n")[0] : String(error);
    if (/pixel limit/i.test(text)) {
      throw new ImageError(
        "too_large",
        frame,
        `CompressedImage is larger than the limit of ${maxPixels} pixels; raise the limit or publish smaller frames`,
      );
    }
    throw new ImageError(
      "decode_failed",
      frame,
      `CompressedImage (format "${message.format}", ${message.data.length} bytes) could not be decoded: ${text}`,
    );
  }
}

function isBigEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
}
