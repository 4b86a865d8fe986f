/** Where a source frame lands in the model's input: the source region read and the output region written. */
import type { FitMode } from "./types.js";

export interface Placement {
  /** Source region, in pixels; may be fractional (centre crop). */
  sourceX: number;
  sourceY: number;
  sourceWidth: number;
  sourceHeight: number;
  /** Output region, whole pixels; outside it lie letterbox bars. */
  outX: number;
  outY: number;
  outWidth: number;
  outHeight: number;
}

export function place(
  fit: FitMode,
  sourceWidth: number,
  sourceHeight: number,
  width: number,
  height: number,
): Placement {
  const full: Placement = {
    sourceX: 0,
    sourceY: 0,
    sourceWidth,
    sourceHeight,
    outX: 0,
    outY: 0,
    outWidth: width,
    outHeight: height,
  };
  if (fit === "stretch") return full;
  if (fit === "center_crop") {
    // Cover the output: scale by the larger ratio and cut the excess of the other axis evenly.
    const scale = Math.max(width / sourceWidth, height / sourceHeight);
    const w = Math.min(sourceWidth, width / scale);
    const h = Math.min(sourceHeight, height / scale);
    return {
      ...full,
      sourceX: (sourceWidth - w) / 2,
      sourceY: (sourceHeight - h) / 2,
      sourceWidth: w,
      sourceHeight: h,
    };
  }
  // letterbox: fit inside the output, centred, bars on the sides left over.
  const scale = Math.min(width / sourceWidth, height / sourceHeight);
  const outWidth = Math.min(width, Math.max(1, Math.round(sourceWidth * scale)));
  const outHeight = Math.min(height, Math.max(1, Math.round(sourceHeight * scale)));
  return {
    ...full,
    outX: Math.floor((width - outWidth) / 2),
    outY: Math.floor((height - outHeight) / 2),
    outWidth,
    outHeight,
  };
}
