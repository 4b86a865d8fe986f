/**
 * Bilinear demosaicing of a Bayer mosaic: each missing colour is the mean of the nearest
 * pixels that carry it (the 4 edge or 4 corner neighbours, or the 2 along the row or column).
 * Borders reflect (index -1 reads index 1), which keeps the colour-filter parity.
 */
import type { BayerPattern } from "./encodings.js";

const R = 0;
const G = 1;
const B = 2;

/** Colour at (y & 1, x & 1), row-major. */
const PATTERNS: Record<BayerPattern, readonly [number, number, number, number]> = {
  rggb: [R, G, G, B],
  bggr: [B, G, G, R],
  gbrg: [G, B, R, G],
  grbg: [G, R, B, G],
};

function reflect(i: number, n: number): number {
  if (i < 0) return n > 1 ? 1 : 0;
  if (i >= n) return n > 1 ? n - 2 : n - 1;
  return i;
}

/**
 * mosaic: width × height samples; rgb: width × height × 3 interleaved output.
 */
export function demosaicBilinear(
  mosaic: Float32Array,
  width: number,
  height: number,
  pattern: BayerPattern,
  rgb: Float32Array,
): void {
  const cfa = PATTERNS[pattern];
  for (let y = 0; y < height; y++) {
    const up = reflect(y - 1, height) * width;
    const down = reflect(y + 1, height) * width;
    const row = y * width;
    const rowParity = (y & 1) << 1;
    for (let x = 0; x < width; x++) {
      const left = reflect(x - 1, width);
      const right = reflect(x + 1, width);
      const own = mosaic[row + x];
      const cross =
        0.25 * (mosaic[up + x] + mosaic[down + x] + mosaic[row + left] + mosaic[row + right]);
      const diagonal =
        0.25 *
        (mosaic[up + left] + mosaic[up + right] + mosaic[down + left] + mosaic[down + right]);
      const horizontal = 0.5 * (mosaic[row + left] + mosaic[row + right]);
      const vertical = 0.5 * (mosaic[up + x] + mosaic[down + x]);
      const colour = cfa[rowParity | (x & 1)];
      const o = (row + x) * 3;
      if (colour === G) {
        // The row's other colour sits left and right of a green pixel.
        const rowColour = cfa[rowParity | ((x & 1) ^ 1)];
        rgb[o + G] = own;
        rgb[o + rowColour] = horizontal;
        rgb[o + (rowColour === R ? B : R)] = vertical;
      } else {
        rgb[o + colour] = own;
        rgb[o + G] = cross;
        rgb[o + (colour === R ? B : R)] = diagonal;
      }
    }
  }
}
