import { readFileSync } from "node:fs";
import { join } from "node:path";
import { check as prettierCheck } from "prettier";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import {
  FrameRenderer,
  labelsJson,
  SAMPLE_START_TIME,
  writeCameraSample,
  type LabelledImages,
} from "../../src/bag/camera-sample.js";
import { openBag } from "../../src/bag/index.js";
import type { CompressedImage, RawImage } from "../../src/messages/index.js";
import { FASHION_MNIST_CLASSES } from "../../src/train/datasets/fashion-mnist.js";
import { collect, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Four 28×28 images: a bright square of side 8 + 4k on black, class k. */
function squares(): LabelledImages {
  const count = 4;
  const pixels = new Uint8Array(count * 28 * 28);
  for (let k = 0; k < count; k++) {
    const s = 8 + 4 * k;
    const o = Math.floor((28 - s) / 2);
    for (let y = o; y < o + s; y++)
      pixels.fill(200, k * 784 + y * 28 + o, k * 784 + y * 28 + o + s);
  }
  return {
    name: "squares",
    count,
    width: 28,
    height: 28,
    pixels,
    labels: Uint8Array.from([0, 1, 2, 3]),
    classes: ["a", "b", "c", "d"],
  };
}

describe("FrameRenderer", () => {
  it("fills the frame height, centres the image, keeps the borders black", () => {
    const r = new FrameRenderer(28, 28, 640, 480);
    const flat = new Uint8Array(784).fill(90);
    const frame = r.renderGray(flat);
    expect(frame[240 * 640 + 80 - 1]).toBe(0); // left border
    expect(frame[240 * 640 + 80]).toBe(90); // first column of the 480×480 image
    expect(frame[240 * 640 + 559]).toBe(90);
    expect(frame[240 * 640 + 560]).toBe(0);
    expect(frame[0 * 640 + 320]).toBe(90);
    expect(frame[479 * 640 + 320]).toBe(90);
  });

  it("a centre crop scaled back down gives the original image (what a centre-crop model sees)", () => {
    const { pixels } = squares();
    const src = pixels.subarray(3 * 784, 4 * 784);
    const r = new FrameRenderer(28, 28, 640, 480);
    const frame = r.renderGray(src);
    // area average of each source pixel's footprint in the 480×480 centre crop
    const back = new Float64Array(784);
    for (let i = 0; i < 28; i++) {
      for (let j = 0; j < 28; j++) {
        const [y0, y1] = [Math.floor((i * 480) / 28), Math.floor(((i + 1) * 480) / 28)];
        const [x0, x1] = [Math.floor((j * 480) / 28), Math.floor(((j + 1) * 480) / 28)];
        let sum = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += frame[y * 640 + 80 + x];
        back[i * 28 + j] = sum / ((y1 - y0) * (x1 - x0));
      }
    }
    let worst = 0;
    for (let i = 0; i < 784; i++) worst = Math.max(worst, Math.abs(back[i] - src[i]));
    expect(worst).toBeLessThanOrEqual(60); // bilinear blur reaches only the square's edge pixels
    let meanError = 0;
    for (let i = 0; i < 784; i++) meanError += Math.abs(back[i] - src[i]) / 784;
    expect(meanError).toBeLessThan(6);
  });

  it("rgb8 repeats the gray value in each channel", () => {
    const r = new FrameRenderer(28, 28, 64, 48);
    const rgb = r.renderRgb(new Uint8Array(784).fill(77));
    expect(Array.from(rgb.subarray(3 * (24 * 64 + 32), 3 * (24 * 64 + 32) + 3))).toEqual([
      77, 77, 77,
    ]);
  });
});

describe("writeCameraSample", () => {
  it("writes the labels file as prettier would format it (it is committed)", async () => {
    const classes = [...FASHION_MNIST_CLASSES];
    for (const n of [0, 3, 30, 90, 500]) {
      for (const cls of [classes, ["a", "b"]]) {
        const text = labelsJson({
          topic: "/t",
          dataset: "d",
          classes: cls,
          labels: Array.from({ length: n }, (_, i) => (i * 7) % 10),
        });
        expect(JSON.parse(text).labels.length).toBe(n);
        expect(await prettierCheck(text, { parser: "json", printWidth: 100 }), text).toBe(true);
      }
    }
  });

  it("records a 30 fps camera stream with labels beside it", async () => {
    const out = join(tmp.dir, "cam");
    const {
      bag: summary,
      labelsFile,
      topic,
    } = await writeCameraSample(squares(), { out, width: 160, height: 120 });
    expect(topic).toBe("/camera/image_raw");
    expect(summary.messageCount).toBe(4);
    expect(JSON.parse(readFileSync(labelsFile, "utf8"))).toEqual({
      topic,
      dataset: "squares",
      classes: ["a", "b", "c", "d"],
      labels: [0, 1, 2, 3],
    });
    const bag = await openBag(out);
    const msgs = await collect(bag.messages());
    expect(msgs.map((m) => m.logTime - SAMPLE_START_TIME)).toEqual([
      0n,
      33_333_333n,
      66_666_667n,
      100_000_000n,
    ]);
    const img = bag.codecFor(topic).decode(msgs[2].data) as RawImage;
    expect([img.width, img.height, img.encoding, img.step, img.header.frame_id]).toEqual([
      160,
      120,
      "rgb8",
      480,
      "camera_optical_frame",
    ]);
    expect(BigInt(img.header.stamp.sec) * 1_000_000_000n + BigInt(img.header.stamp.nanosec)).toBe(
      msgs[2].logTime,
    );
    await bag.close();
  });

  it("mono8 and jpeg (CompressedImage) streams", async () => {
    const mono = await writeCameraSample(squares(), {
      out: join(tmp.dir, "mono.mcap"),
      encoding: "mono8",
      width: 64,
      height: 48,
      count: 2,
    });
    expect(mono.labelsFile).toBe(join(tmp.dir, "mono.mcap.labels.json"));
    const encodeJpeg = async (rgb: Uint8Array, w: number, h: number) =>
      new Uint8Array(
        await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
          .jpeg()
          .toBuffer(),
      );
    const jpeg = await writeCameraSample(squares(), {
      out: join(tmp.dir, "jpeg"),
      encoding: "jpeg",
      width: 64,
      height: 48,
      encodeJpeg,
    });
    expect(jpeg.topic).toBe("/camera/image_raw/compressed");
    const bag = await openBag(join(tmp.dir, "jpeg"));
    const [first] = await collect(bag.messages());
    const img = bag.codecFor(first.topic).decode(first.data) as CompressedImage;
    expect(img.format).toBe("rgb8; jpeg compressed bgr8");
    expect((await sharp(img.data).metadata()).width).toBe(64);
    await bag.close();
  });
});
