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
