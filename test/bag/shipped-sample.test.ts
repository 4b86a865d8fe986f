/** The sample bag `npm start` replays. */
import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/index.js";
import type { RawImage } from "../../src/messages/index.js";

const dir = new URL("../../samples/fashion-mnist-camera", import.meta.url).pathname;

describe("samples/fashion-mnist-camera", () => {
  it("is a 3 s, 30 fps, 640×480 rgb8 camera bag of at most 5 MB with one label per frame", async () => {
    const bag = await openBag(dir);
    const labels = JSON.parse(readFileSync(`${dir}/labels.json`, "utf8"));
    expect(bag.files.length).toBe(1);
    expect(statSync(bag.files[0]).size).toBeLessThanOrEqual(5_000_000);
    expect(bag.problems).toEqual([]);
    expect(bag.topics().map((t) => [t.name, t.type, t.count])).toEqual([
      ["/camera/image_raw", "sensor_msgs/msg/Image", 90],
    ]);
    expect(labels.topic).toBe("/camera/image_raw");
    expect(labels.labels.length).toBe(90);
    expect(labels.classes.length).toBe(10);
    expect(bag.endTime! - bag.startTime!).toBe(2_966_666_667n);
    const it = bag.messages();
    const first = (await it.next()).value!;
    await it.return?.();
    const img = bag.codecFor(first.topic).decode(first.data) as RawImage;
    expect([img.width, img.height, img.encoding, img.step, img.header.frame_id]).toEqual([
      640,
      480,
      "rgb8",
      1920,
      "camera_optical_frame",
    ]);
    await bag.close();
  });
});
