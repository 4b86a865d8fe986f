import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/snn/index.js";
import { cameraInputs, parseFraming, renderCameraFrame } from "../../src/train/camera-frames.js";
import type { ImageSet } from "../../src/train/datasets/types.js";
import { modelInputs } from "../../src/train/evaluate.js";
import { Rng } from "../../src/train/rng.js";

const MODEL = new URL("../../models/fashion-mnist-lif", import.meta.url).pathname;

/** Two 28×28 images with structure at every scale: a bright block and a diagonal ramp. */
function images(): ImageSet {
  const pixels = new Uint8Array(2 * 784);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      pixels[y * 28 + x] = x >= 6 && x < 22 && y >= 4 && y < 24 ? 200 : 0;
      pixels[784 + y * 28 + x] = Math.round((255 * (x + y)) / 54);
    }
  return {
    name: "synthetic",
    count: 2,
    shape: [1, 28, 28],
    pixels,
    labels: new Uint8Array([3, 7]),
    classes: Array.from({ length: 10 }, (_, i) => String(i)),
  } as ImageSet;
}

/** Bounding box of the pixels above `level` in channel 0 of an rgb frame. */
function box(rgb: Uint8Array, width: number, height: number, level = 0) {
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (rgb[(y * width + x) * 3] > level) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  return { x0, y0, x1, y1 };
}

describe("camera-framed test images", () => {
  it("fill 1 without noise gives back the native input through the node's preprocessing", async () => {
    const model = await loadModel(MODEL);
    const set = images();
    const native = modelInputs(set, model);
    const camera = await cameraInputs(set, model, { fill: [1, 1], noise: 0 });
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < native.pixels.length; i++) {
      const d = Math.abs(native.pixels[i] - camera.pixels[i]);
      worst = Math.max(worst, d);
      sum += d;
    }
    // Bilinear up to 480 px and area-averaged back to 28 px blurs edges a little, no more.
    expect(sum / native.pixels.length).toBeLessThan(0.02);
    expect(worst).toBeLessThan(0.25);
    expect(Array.from(camera.labels)).toEqual([3, 7]);
  });

  it("places an item of fill × the centre square's side inside that square, seeded", () => {
    const set = images();
    const [w, h] = [640, 480];
    const a = new Uint8Array(w * h * 3);
    const b = new Uint8Array(w * h * 3);
    renderCameraFrame(set.pixels.subarray(0, 784), 28, 28, a, w, h, 0.5, 0, new Rng(9));
    renderCameraFrame(set.pixels.subarray(0, 784), 28, 28, b, w, h, 0.5, 0, new Rng(9));
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    // The block covers columns 6-21 and rows 4-23 of 28: 16/28 and 20/28 of the 240 px item.
    const r = box(a, w, h, 100);
    expect(r.x1 - r.x0 + 1).toBeGreaterThanOrEqual(Math.floor((240 * 16) / 28) - 2);
    expect(r.x1 - r.x0 + 1).toBeLessThanOrEqual(Math.ceil((240 * 16) / 28) + 2);
    expect(r.y1 - r.y0 + 1).toBeGreaterThanOrEqual(Math.floor((240 * 20) / 28) - 2);
    expect(r.x0).toBeGreaterThanOrEqual(80);
    expect(r.x1).toBeLessThan(560);
    // Another seed puts it elsewhere.
    renderCameraFrame(set.pixels.subarray(0, 784), 28, 28, b, w, h, 0.5, 0, new Rng(10));
    expect(box(b, w, h, 100)).not.toEqual(r);
  });

  it("JPEG framing decodes like a CompressedImage and stays close to the raw frame", async () => {
    const model = await loadModel(MODEL);
    const set = images();
    const raw = await cameraInputs(set, model, { seed: 4 });
    const jpeg = await cameraInputs(set, model, { seed: 4, jpegQuality: 75 });
    let sum = 0;
    for (let i = 0; i < raw.pixels.length; i++) sum += Math.abs(raw.pixels[i] - jpeg.pixels[i]);
    const mean = sum / raw.pixels.length;
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(0.03);
  });

  it("parses --framing and names the choices when it cannot", () => {
    expect(parseFraming("native")).toBeNull();
    expect(parseFraming("camera")).toEqual({});
    expect(parseFraming("camera-jpeg75")).toEqual({ jpegQuality: 75 });
    expect(() => parseFraming("camera-jpeg0")).toThrow(/--framing "camera-jpeg0": give native/);
    expect(() => parseFraming("webcam")).toThrow(/camera-jpegQ/);
  });
});
