/**
 * Separable resampling weights for one axis. Shrinking averages the exact area each output
 * pixel covers (OpenCV's INTER_AREA: every source pixel counts, none aliases); enlarging
 * interpolates linearly between pixel centres with edges replicated. A scale of exactly 1 is
 * the identity. Regions may start and end at fractional positions (centre crops do).
 */
export interface AxisWeights {
  /** First source index of each output pixel. */
  start: Int32Array;
  /** Number of source pixels each output pixel reads. */
  count: Int32Array;
  /** count[i] weights per output pixel at [i * stride, i * stride + count[i]); they sum to 1. */
  weights: Float64Array;
  stride: number;
  /** Source indices [min, max) read at all. */
  min: number;
  max: number;
}

/**
 * Weights mapping source positions [regionStart, regionStart + regionLength) of an axis of
 * length sourceLength onto outputLength pixels.
 */
export function axisWeights(
  sourceLength: number,
  regionStart: number,
  regionLength: number,
  outputLength: number,
): AxisWeights {
  const scale = regionLength / outputLength;
  const shrinking = scale >= 1;
  const stride = shrinking ? Math.ceil(scale) + 1 : 2;
  const start = new Int32Array(outputLength);
  const count = new Int32Array(outputLength);
  const weights = new Float64Array(outputLength * stride);
  let min = sourceLength;
  let max = 0;
  const last = sourceLength - 1;
  for (let i = 0; i < outputLength; i++) {
    const w = i * stride;
    let first: number;
    let n = 0;
    if (shrinking) {
      const a = regionStart + i * scale;
      const b = a + scale;
      first = Math.max(0, Math.floor(a));
      const end = Math.min(sourceLength, Math.ceil(b));
      let total = 0;
      for (let j = first; j < end; j++) {
        const overlap = Math.min(b, j + 1) - Math.max(a, j);
        if (overlap <= 1e-12) {
          if (n === 0) first = j + 1;
          continue;
        }
        weights[w + n] = overlap;
        total += overlap;
        n++;
      }
      for (let k = 0; k < n; k++) weights[w + k] /= total;
    } else {
      const centre = regionStart + (i + 0.5) * scale - 0.5;
      const j0 = Math.floor(centre);
      const f = centre - j0;
      const lo = Math.min(Math.max(j0, 0), last);
      const hi = Math.min(Math.max(j0 + 1, 0), last);
      first = lo;
      if (hi === lo || f === 0) {
        weights[w] = 1;
        n = 1;
      } else {
        weights[w] = 1 - f;
        weights[w + 1] = f;
        n = 2;
      }
    }
    start[i] = first;
    count[i] = n;
    if (first < min) min = first;
    if (first + n > max) max = first + n;
  }
  return { start, count, weights, stride, min, max };
}
