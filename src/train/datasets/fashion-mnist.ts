/** Fashion-MNIST from its IDX files (Debian's `dataset-fashion-mnist`, or any directory). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseIdx } from "./idx.js";
import { datasetError, type ImageSet } from "./types.js";

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

function findFile(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw datasetError(
    `Fashion-MNIST file ${base}(.gz) not found in ${dir}; install it with \`apt-get install dataset-fashion-mnist\` ` +
      `or pass --data-dir <directory with the IDX files>`,
  );
}

/** Reads an IDX image/label pair as an ImageSet, checking that they agree. */
export function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  name: string,
  classes: string[],
): ImageSet {
  const images = parseIdx(readFileSync(imagesPath), imagesPath);
  const labels = parseIdx(readFileSync(labelsPath), labelsPath);
  if (images.dims.length !== 3)
    throw datasetError(`${imagesPath}: expected 3 dimensions [N, H, W], got [${images.dims}]`);
  if (labels.dims.length !== 1)
    throw datasetError(`${labelsPath}: expected 1 dimension [N], got [${labels.dims}]`);
  if (images.dims[0] !== labels.dims[0]) {
    throw datasetError(
      `${imagesPath} has ${images.dims[0]} images but ${labelsPath} has ${labels.dims[0]} labels`,
    );
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] >= classes.length)
      throw datasetError(`${labelsPath}: label ${labels.data[i]} at ${i} is not a class index`);
  }
  return {
    name,
    shape: [1, images.dims[1], images.dims[2]],
    pixels: images.data,
    labels: labels.data,
    count: images.dims[0],
    classes,
  };
}

export function loadFashionMnist(split: "train" | "test", dataDir = FASHION_MNIST_DIR): ImageSet {
  const prefix = split === "train" ? "train" : "t10k";
  return readIdxPair(
    findFile(dataDir, `${prefix}-images-idx3-ubyte`),
    findFile(dataDir, `${prefix}-labels-idx1-ubyte`),
    `fashion-mnist/${split}`,
    FASHION_MNIST_CLASSES,
  );
}
