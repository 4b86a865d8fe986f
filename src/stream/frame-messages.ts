/**
 * The ROS messages a frame arrives as, in the shape our CDR codec (src/messages) decodes them.
 * Structural twins of src/messages' types: src/stream takes a `deserialize` function rather
 * than importing src/messages. The pixel fields come from src/image, which reads only those.
 */
import type { CompressedPixels, RawPixels } from "../image/types.js";

export interface Time {
  sec: number;
  nanosec: number;
}

export interface Header {
  stamp: Time;
  frame_id: string;
}

/** sensor_msgs/msg/Image as decoded from CDR. */
export interface RawImage extends RawPixels {
  header: Header;
}

/** sensor_msgs/msg/CompressedImage as decoded from CDR. */
export interface CompressedImage extends CompressedPixels {
  header: Header;
}

/**
 * event_camera_msgs/msg/EventPacket as decoded from CDR (src/events decodes `events` by
 * `encoding`; the fields are those of src/events' EventPacketLike plus header and seq).
 */
export interface EventPacketMessage {
  header: Header;
  height: number;
  width: number;
  seq: bigint;
  time_base: bigint;
  encoding: string;
  is_bigendian: boolean;
  events: Uint8Array;
}
