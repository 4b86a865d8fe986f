/** The moving-item camera bag: written, read back, and seen by the node exactly as training saw it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { check as prettierCheck } from "prettier";
import { afterAll, describe, expect, it } from "vitest";
import { labelsJson, upscaleNearest, writeUpscaledSample } from "../../src/bag/camera-sample.js";
import { openBag } from "../../src/bag/index.js";
import { readLabels } from "../../src/bag/replay/labels.js";
import { createEncoder } from "../../src/encode/index.js";
import { ImagePreprocessor } from "../../src/image/index.js";
import type { RawImage } from "../../src/messages/index.js";
import { loadFashionMnist } from "../../src/train/datasets/fashion-mnist.js";
import {
  frameTensor,
  movingFrameStream,
  movingModelSections,
  movingSequenceSet,
} from "../../src/train/datasets/moving-events.js";
import { MOVING_DEFAULTS } from "../../src/train/datasets/moving-fashion.js";
import { collect, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

describe("upscaleNearest", () => {
  it("turns each pixel into a k × k block", () => {
    const out = upscaleNearest(Uint8Array.from([1, 2, 3, 4, 5, 6]), 3, 2, 2, new Uint8Array(24));
    expect(Array.from(out)).toEqual([
      1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6,
    ]);
  });

  it("the image preprocessor shrinks it back to the very same tensor (any pixel values, scales 1–5)", () => {
    const side = 32;
    const canvas = new Uint8Array(side * side);
    for (let i = 0; i < canvas.length; i++) canvas[i] = (i * 37 + (i >> 5) * 11) & 0xff;
    const want = frameTensor(canvas, new Float32Array(side * side));
    const { input } = movingModelSections({ canvas: side });
    for (const k of [1, 2, 3, 4, 5]) {
      const big = upscaleNearest(canvas, side, side, k, new Uint8Array(side * side * k * k));
      const pre = new ImagePreprocessor(input);
      const got = pre.fromRaw({
        width: side * k,
        height: side * k,
        encoding: "mono8",
        is_bigendian: 0,
        step: side * k,
        data: big,
      });
      expect(sameBits(got, want), `scale ${k}`).toBe(true);
    }
  });
});

describe("writeUpscaledSample with moving Fashion-MNIST clips", () => {
  const set = movingSequenceSet(loadFashionMnist("test", FIXTURE), 12, {
    ...MOVING_DEFAULTS,
    seed: 5,
  });
  const stream = movingFrameStream(set);

  it("records every frame at 30 fps as 96×96 mono8 with labels and clips beside it", async () => {
    const out = join(tmp.dir, "moving");
    const { bag: summary, labelsFile, topic } = await writeUpscaledSample(stream, { out });
    expect([topic, summary.messageCount]).toEqual(["/camera/image_raw", 108]);

    const labels = JSON.parse(readFileSync(labelsFile, "utf8"));
    expect(labels.dataset).toBe("moving-fashion-mnist/test");
    expect(labels.classes).toEqual(["left", "right", "up", "down"]);
    expect(labels.labels).toEqual(Array.from(stream.labels));
    expect(labels.clips).toEqual(stream.clips);
    expect(labels.clips[3]).toEqual({
      start: 27,
      frames: 9,
      direction: set.plan.clips[3].direction,
      speed: set.plan.clips[3].speed,
      item: set.plan.clips[3].item,
      item_class: set.plan.clips[3].itemClass,
    });
    // What replay reads for its accuracy: one label per message.
    expect((await readLabels(labelsFile)).labels.length).toBe(108);
    expect(
      await prettierCheck(readFileSync(labelsFile, "utf8"), { parser: "json", printWidth: 100 }),
    ).toBe(true);

    const bag = await openBag(out);
    expect(bag.problems).toEqual([]);
    expect(bag.topics().map((t) => [t.name, t.type, t.count])).toEqual([
      [topic, "sensor_msgs/msg/Image", 108],
    ]);
    const msgs = await collect(bag.messages());
    expect(msgs[3].logTime - msgs[0].logTime).toBe(100_000_000n);
    const img = bag.codecFor(topic).decode(msgs[7].data) as RawImage;
    expect([img.width, img.height, img.encoding, img.step]).toEqual([96, 96, "mono8", 96]);
    await bag.close();
  });

  it("the node's preprocessing and delta encoder turn the bag into exactly the training samples", async () => {
    const out = join(tmp.dir, "moving-node.mcap");
    await writeUpscaledSample(stream, { out, scale: 3 });
    const sections = movingModelSections(set.plan.options, set.events);
    const pre = new ImagePreprocessor(sections.input);
    const encoder = createEncoder(sections.input.encoder, 1024, sections.dt);
    const T = sections.presentation.timesteps;
    const got = new Float32Array(108 * T * 1024);
    const canvas = new Uint8Array(1024);
    const bag = await openBag(out);
    const codec = bag.codecFor("/camera/image_raw");
    let i = 0;
    for await (const m of bag.messages()) {
      const tensor = pre.fromRaw(codec.decode(m.data) as RawImage);
      expect(sameBits(tensor, frameTensor(stream.render(i, canvas), new Float32Array(1024)))).toBe(
        true,
      );
      encoder.present(tensor);
      for (let k = 0; k < T; k++) got.set(encoder.tick(), (i * T + k) * 1024);
      i++;
    }
    await bag.close();
    expect(i).toBe(108);
    const want = new Float32Array(got.length);
    for (let c = 0; c < 12; c++) set.fill(c, want, c * set.steps * 1024);
    expect(sameBits(got, want)).toBe(true);
  });

  it("labels with clips print as prettier prints them, long records one key per line", async () => {
    for (const clips of [
      [{ start: 0, frames: 10 }],
      stream.clips,
      [{ start: 0, frames: 10, direction: 1, speed: 2, item: 123456789, item_class: 9, more: 1 }],
    ]) {
      const text = labelsJson({ topic: "/t", dataset: "d", classes: ["a"], labels: [0], clips });
      expect(JSON.parse(text).clips).toEqual(clips);
      expect(await prettierCheck(text, { parser: "json", printWidth: 100 }), text).toBe(true);
    }
  });
});
