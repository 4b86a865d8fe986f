/**
 * CIFAR-10 binary version (`cifar-10-batches-bin`): records of 1 label byte then 3072 pixel
 * bytes, the red, green and blue 32×32 planes in turn. Converted to HWC.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { datasetError, type ImageSet } from "./types.js";

export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];
const PLANE = 32 * 32;
const RECORD = 1 + 3 * PLANE;

export function parseCifar10(bytes: Uint8Array, source: string): ImageSet {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw datasetError(
      `${source}: ${bytes.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records; is the file truncated?`,
    );
  }
  const count = bytes.length / RECORD;
  const pixels = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const r = i * RECORD;
    const label = bytes[r];
    if (label > 9)
      throw datasetError(
        `${source}: record ${i} has label ${label} (expected 0–9); not a CIFAR-10 binary file`,
      );
    labels[i] = label;
    const o = i * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      pixels[o + 3 * p] = bytes[r + 1 + p];
      pixels[o + 3 * p + 1] = bytes[r + 1 + PLANE + p];
      pixels[o + 3 * p + 2] = bytes[r + 1 + 2 * PLANE + p];
    }
  }
  return { name: source, shape: [3, 32, 32], pixels, labels, count, classes: CIFAR10_CLASSES };
}

/** Reads data_batch_1..5.bin (train) or test_batch.bin from `dir`. */
export function loadCifar10(split: "train" | "test", dir: string): ImageSet {
  const files =
    split === "train" ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ["test_batch.bin"];
  const sets = files.map((f) => {
    const p = join(dir, f);
    if (!existsSync(p)) {
      throw datasetError(
        `CIFAR-10 file ${p} not found; download the binary version (cifar-10-binary.tar.gz) and pass --data-dir <its cifar-10-batches-bin directory>`,
      );
    }
    return parseCifar10(readFileSync(p), p);
  });
  const count = sets.reduce((n, s) => n + s.count, 0);
  const pixels = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const s of sets) {
    pixels.set(s.pixels, n * 3 * PLANE);
    labels.set(s.labels, n);
    n += s.count;
  }
  return {
    name: `cifar10/${split}`,
    shape: [3, 32, 32],
    pixels,
    labels,
    count,
    classes: CIFAR10_CLASSES,
  };
}
