/** A labelled image set held as bytes: pixels NHWC, 0–255 (scaled to [0, 1] per batch). */
export interface ImageSet {
  name: string;
  /** [C, H, W] of one image. */
  shape: [number, number, number];
  /** count·H·W·C bytes, each image HWC (channels last). */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  classes: string[];
}

export function imageSize(set: Pick<ImageSet, "shape">): number {
  return set.shape[0] * set.shape[1] * set.shape[2];
}

/** The images at `indices`, as a new set (copies). */
export function subset(set: ImageSet, indices: ArrayLike<number>, name = set.name): ImageSet {
  const size = imageSize(set);
  const pixels = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = set.labels[i];
  }
  return { ...set, name, pixels, labels, count: indices.length };
}

export function datasetError(message: string): Error {
  return Object.assign(new Error(message), { userFacing: true });
}
