/** The moving-item sample bag: what it holds, and that every clip moves the way its label says. */
import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/index.js";
import { readLabels } from "../../src/bag/replay/labels.js";
import { ImagePreprocessor } from "../../src/image/index.js";
import type { RawImage } from "../../src/messages/index.js";
import { movingModelSections } from "../../src/train/datasets/moving-events.js";

const dir = new URL("../../samples/moving-fashion-camera", import.meta.url).pathname;

describe("samples/moving-fashion-camera", () => {
  it("is 120 clips of 9 frames, 96×96 mono8 at 30 fps, under 4 MB, one direction label per frame", async () => {
    const bag = await openBag(dir);
    expect(bag.files.length).toBe(1);
    expect(statSync(bag.files[0]).size).toBeLessThan(4_000_000);
    expect(bag.problems).toEqual([]);
    expect(bag.topics().map((t) => [t.name, t.type, t.count])).toEqual([
      ["/camera/image_raw", "sensor_msgs/msg/Image", 1080],
    ]);
    expect(bag.endTime! - bag.startTime!).toBe(35_966_666_667n);
    await bag.close();

    const labels = await readLabels(`${dir}/labels.json`);
    expect(labels.topic).toBe("/camera/image_raw");
    expect(labels.classes).toEqual(["left", "right", "up", "down"]);
    expect(labels.labels.length).toBe(1080);
    const { clips } = JSON.parse(readFileSync(`${dir}/labels.json`, "utf8")) as {
      clips: { start: number; frames: number; direction: number; speed: number }[];
    };
    expect(clips.length).toBe(120);
    clips.forEach((c, i) => {
      expect([c.start, c.frames]).toEqual([9 * i, 9]);
      expect(labels.labels.slice(c.start, c.start + 9)).toEqual(Array(9).fill(c.direction));
    });
    expect(new Set(clips.map((c) => c.direction)).size).toBe(4);
  });

  it("through the node's preprocessing, each clip's item drifts as labelled, give or take the ±1 px jitter", async () => {
    const { clips } = JSON.parse(readFileSync(`${dir}/labels.json`, "utf8")) as {
      clips: { start: number; frames: number; direction: number; speed: number }[];
    };
    const pre = new ImagePreprocessor(movingModelSections({ canvas: 32 }).input);
    const centres: [number, number][] = [];
    const bag = await openBag(dir);
    const codec = bag.codecFor("/camera/image_raw");
    for await (const m of bag.messages()) {
      const img = codec.decode(m.data) as RawImage;
      expect([img.width, img.height, img.encoding, img.step]).toEqual([96, 96, "mono8", 96]);
      const x = pre.fromRaw(img);
      let mass = 0;
      let mx = 0;
      let my = 0;
      for (let p = 0; p < 1024; p++) {
        mass += x[p];
        mx += x[p] * (p % 32);
        my += x[p] * Math.floor(p / 32);
      }
      centres.push([mx / mass, my / mass]);
    }
    await bag.close();
    const axis: [number, number][] = [
      [-1, 0],
      [1, 0],
      [0, -1],
      [0, 1],
    ];
    for (const c of clips) {
      const [x0, y0] = centres[c.start];
      const [x8, y8] = centres[c.start + 8];
      const [vx, vy] = axis[c.direction];
      // The jitter of the first and the last frame may each move the item by up to 1 px per axis.
      expect(Math.abs(x8 - x0 - 8 * c.speed * vx)).toBeLessThanOrEqual(2 + 1e-9);
      expect(Math.abs(y8 - y0 - 8 * c.speed * vy)).toBeLessThanOrEqual(2 + 1e-9);
    }
  });
});
