/**
 * The input-kinds table (src/stream/input-kinds.ts) and the places that read it: the pipeline's
 * routing of serialized bytes, the node's subscription and the replay's choice of topic.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageTypeOf } from "../../src/bag/replay/topic.js";
import { imageSubscription } from "../../src/ros/topics.js";
import {
  decodedFrame,
  INPUT_FRAME_KINDS,
  INPUT_KINDS,
  INPUT_MESSAGE_TYPES,
  isInputMessageType,
  withData,
} from "../../src/stream/input-kinds.js";
import { createPipeline } from "../../src/stream/index.js";
import type { FrameError, FrameInput, InputMessage } from "../../src/stream/types.js";
import { writeTinyModel, type TinyModel } from "./tiny-model.js";

const header = { stamp: { sec: 1, nanosec: 2 }, frame_id: "cam" };
const raw = {
  header,
  height: 1,
  width: 2,
  encoding: "mono8",
  is_bigendian: 0,
  step: 2,
  data: new Uint8Array([1, 2]),
};
const compressed = { header, format: "png", data: new Uint8Array([9]) };

describe("input kinds", () => {
  it("map each message type to one frame kind, and back", () => {
    expect(INPUT_MESSAGE_TYPES).toEqual([
      "sensor_msgs/msg/Image",
      "sensor_msgs/msg/CompressedImage",
      "event_camera_msgs/msg/EventPacket",
    ]);
    expect(INPUT_FRAME_KINDS).toEqual(["image", "compressed", "events"]);
    expect(new Set(INPUT_FRAME_KINDS).size).toBe(INPUT_FRAME_KINDS.length);
    expect(decodedFrame("sensor_msgs/msg/Image", raw)).toEqual({ kind: "image", message: raw });
    expect(decodedFrame("sensor_msgs/msg/CompressedImage", compressed)).toEqual({
      kind: "compressed",
      message: compressed,
    });
  });

  it("know only their own types; the replay and the node read the same table", () => {
    expect(isInputMessageType("sensor_msgs/msg/Image")).toBe(true);
    expect(isInputMessageType("sensor_msgs/msg/PointCloud2")).toBe(false);
    expect(isInputMessageType("toString")).toBe(false);
    expect(imageTypeOf("sensor_msgs/CompressedImage")).toBe("sensor_msgs/msg/CompressedImage");
    expect(imageTypeOf("sensor_msgs/msg/PointCloud2")).toBeUndefined();
    for (const compressedTransport of [false, true]) {
      const { topic, type } = imageSubscription("cam", compressedTransport);
      expect(topic).toBe(`cam${INPUT_KINDS[type].topicSuffix}`);
    }
  });

  it("replace a frame's bytes without changing its kind or its other fields", () => {
    const data = new Uint8Array([7, 7]);
    const frame = withData({ kind: "image", message: raw }, data);
    expect(frame).toEqual({ kind: "image", message: { ...raw, data } });
    expect(raw.data).toEqual(new Uint8Array([1, 2]));
  });
});

describe("the pipeline routes serialized bytes by the table", () => {
  let tiny: TinyModel;
  beforeAll(async () => {
    tiny = await writeTinyModel();
  });
  afterAll(async () => {
    await tiny.cleanup();
  });

  it("refuses a type that is not in it instead of decoding it as another", async () => {
    const asked: string[] = [];
    const p = createPipeline({
      model: tiny.dir,
      deserialize: (type) => {
        asked.push(type);
        return raw as InputMessage;
      },
    });
    const errors: FrameError[] = [];
    p.errors$.subscribe((e) => errors.push(e));
    p.push({
      kind: "serialized",
      type: "sensor_msgs/msg/PointCloud2",
      data: new Uint8Array(4),
    } as unknown as FrameInput);
    await p.close();
    expect(asked).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0].reason).toBe("invalid_frame");
    expect(errors[0].message).toMatch(
      /PointCloud2.*send one of sensor_msgs\/msg\/Image, sensor_msgs\/msg\/CompressedImage/,
    );
  });
});
