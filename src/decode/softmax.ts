/**
 * softmax(logits / temperature), stable for any magnitude (the maximum is subtracted first).
 * Written into `out` when given.
 */
export function softmax(
  logits: ArrayLike<number>,
  temperature = 1,
  out: Float64Array = new Float64Array(logits.length),
): Float64Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`softmax temperature is ${temperature}; it must be a positive number`);
  }
  const n = logits.length;
  if (n === 0) return out;
  // NaN never compares greater, so it never leads; it gets probability 0 below.
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  if (max === -Infinity) {
    out.fill(1 / n, 0, n);
    return out;
  }
  if (max === Infinity) {
    let count = 0;
    for (let i = 0; i < n; i++) if (logits[i] === Infinity) count++;
    for (let i = 0; i < n; i++) out[i] = logits[i] === Infinity ? 1 / count : 0;
    return out;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = logits[i];
    const e = v === v ? Math.exp((v - max) / temperature) : 0;
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

/** Index of the largest value; ties go to the lowest index, NaN never wins. -1 when empty. */
export function argmax(values: ArrayLike<number>): number {
  let best = values.length > 0 ? 0 : -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > bestValue) {
      best = i;
      bestValue = values[i];
    }
  }
  return best;
}
