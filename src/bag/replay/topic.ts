/** Which topic of a bag a replay classifies. */
import { isInputMessageType, type InputMessageType } from "../../stream/input-kinds.js";
import type { TopicInfo } from "../types.js";
import { ReplayError } from "./errors.js";

/**
 * The pipeline input type (src/stream/input-kinds.ts) a bag topic's type names, if any:
 * "sensor_msgs/Image" (ROS 1 style names in old bags) and "sensor_msgs/msg/Image" alike.
 */
export function imageTypeOf(type: string): InputMessageType | undefined {
  const full = type.trim().replace(/^sensor_msgs\/(?!msg\/)/, "sensor_msgs/msg/");
  // EventPacket's legacy name (same fields, same CDR): older event-camera bags record it.
  if (full === "event_array_msgs/msg/EventArray") return "event_camera_msgs/msg/EventPacket";
  return isInputMessageType(full) ? full : undefined;
}

function listTopics(topics: readonly TopicInfo[]): string {
  if (topics.length === 0) return "it has no topics";
  return `its topics are ${topics.map((t) => `${t.name} (${t.type || "no type"}, ${t.count} messages)`).join(", ")}`;
}

/**
 * The image topic to classify: the one named, else the only image topic. Throws ReplayError
 * listing what the bag holds when that does not pick exactly one.
 */
export function chooseImageTopic(
  bagPath: string,
  topics: readonly TopicInfo[],
  wanted?: string,
): TopicInfo & { imageType: InputMessageType } {
  if (wanted !== undefined) {
    const t = topics.find((x) => x.name === wanted);
    if (!t) {
      throw new ReplayError(
        "bad_topic",
        `--topic ${wanted}: ${bagPath} has no such topic; ${listTopics(topics)}`,
      );
    }
    const imageType = imageTypeOf(t.type);
    if (!imageType) {
      throw new ReplayError(
        "bad_topic",
        `--topic ${wanted} is ${t.type || "of no type"}, not sensor_msgs/msg/Image, CompressedImage or event_camera_msgs/msg/EventPacket; pick an image or event topic`,
      );
    }
    return { ...t, imageType };
  }
  const images = topics.filter((t) => imageTypeOf(t.type) !== undefined);
  if (images.length === 0) {
    throw new ReplayError(
      "no_image_topic",
      `${bagPath} has no image topic (sensor_msgs/msg/Image or CompressedImage) or event topic (event_camera_msgs/msg/EventPacket) to classify; ${listTopics(topics)}`,
    );
  }
  if (images.length > 1) {
    throw new ReplayError(
      "ambiguous_topic",
      `${bagPath} has ${images.length} image topics; choose one with --topic: ${images
        .map((t) => `${t.name} (${t.type}, ${t.count} messages)`)
        .join(", ")}`,
    );
  }
  return { ...images[0], imageType: imageTypeOf(images[0].type)! };
}
