/** Why a frame could not become a tensor; stable strings, counted by the pipeline per kind. */
export const IMAGE_ERROR_REASONS = [
  /** width, height or step is not a non-negative integer. */
  "invalid_header",
  "zero_size",
  /** More pixels than the configured limit. */
  "too_large",
  "unsupported_encoding",
  /** step is smaller than width × bytes per pixel. */
  "step_too_small",
  /** data is shorter than step × height. */
  "data_too_short",
  /** A 4:2:2 encoding with an odd width (a pixel would lack its chroma pair). */
  "odd_width",
  /** CompressedImage whose format names a codec we do not decode (or compressedDepth). */
  "unsupported_format",
  /** The compressed bytes could not be decoded. */
  "decode_failed",
] as const;

export type ImageErrorReason = (typeof IMAGE_ERROR_REASONS)[number];

/** A frame that cannot become a tensor. The message names the frame, the fault and the fix. */
export class ImageError extends Error {
  override readonly name = "ImageError";

  constructor(
    readonly reason: ImageErrorReason,
    /** Which frame, e.g. "frame 12 (stamp 1700000000.123456789, frame_id camera)". */
    readonly frame: string,
    detail: string,
  ) {
    super(`${frame}: ${detail}`);
  }
}

/** The model's input section asks for something the image stage cannot produce. */
export class PreprocessConfigError extends Error {
  override readonly name = "PreprocessConfigError";
}

/**
 * The label errors use for a frame: "frame 12 (stamp 1700000000.123456789, frame_id camera)".
 * Either part may be missing.
 */
export function frameLabel(
  seq?: number,
  header?: { stamp: { sec: number; nanosec: number }; frame_id: string },
): string {
  const name = seq === undefined ? "frame" : `frame ${seq}`;
  if (!header) return name;
  const ns = String(header.stamp.nanosec).padStart(9, "0");
  const frameId = header.frame_id === "" ? '""' : header.frame_id;
  return `${name} (stamp ${header.stamp.sec}.${ns}, frame_id ${frameId})`;
}
