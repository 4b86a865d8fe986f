/**
 * Every kind of input the pipeline takes, in one table keyed by ROS message type: the frame
 * kind a message becomes, what it is called in messages to users, and how image_transport
 * names its topic. ROS subscriptions (src/ros/topics.ts), bag replay (src/bag/replay/topic.ts),
 * the pipeline's routing of serialized bytes and the worker's preprocessing all read this
 * table; switches over a kind end in `unreachable`, so a new entry fails to
 * compile wherever it is not yet handled instead of being routed as something else.
 */
import type { EventWindow } from "./event-windows.js";
import type { CompressedImage, EventPacketMessage, RawImage } from "./frame-messages.js";

/** What the pipeline knows about one input message type. */
export interface InputKindInfo {
  /** The frame kind the message becomes inside the pipeline (FrameInput / DecodedFrame). */
  readonly kind: string;
  /** For messages to users, e.g. "raw image". */
  readonly description: string;
  /** image_transport's topic suffix for this transport ("" for raw). */
  readonly topicSuffix: string;
}

export const INPUT_KINDS = {
  "sensor_msgs/msg/Image": { kind: "image", description: "raw image", topicSuffix: "" },
  "sensor_msgs/msg/CompressedImage": {
    kind: "compressed",
    description: "compressed image (jpeg, png)",
    topicSuffix: "/compressed",
  },
  // Packets are not classified one by one: the pipeline gathers them into windows of sensor
  // time (event-windows.ts) on the main thread, and the worker receives "window" frames.
  "event_camera_msgs/msg/EventPacket": {
    kind: "events",
    description: "event-camera packet (evt3, libcaer_cmp, libcaer, mono)",
    topicSuffix: "",
  },
} as const satisfies Record<string, InputKindInfo>;

/** A ROS message type the pipeline takes ("sensor_msgs/msg/Image", …). */
export type InputMessageType = keyof typeof INPUT_KINDS;
/** The frame kind inside the pipeline ("image", "compressed", …). */
export type InputKind = (typeof INPUT_KINDS)[InputMessageType]["kind"];

/** The decoded message of each kind. */
interface MessageOfKind {
  image: RawImage;
  compressed: CompressedImage;
  events: EventPacketMessage;
}

/** A frame as the worker receives it: already deserialized, tagged with its kind. */
export type DecodedFrame = {
  [K in InputKind]: { kind: K; message: MessageOfKind[K] };
}[InputKind];

/** What a deserializer returns for any input type. */
export type InputMessage = DecodedFrame["message"];

/** A window of event-camera time, formed from packets on the main thread (event-windows.ts). */
export interface WindowFrame {
  kind: "window";
  message: EventWindow;
}

/** What the worker classifies: a frame, or a window of events. */
export type WorkerFrame = Exclude<DecodedFrame, { kind: "events" }> | WindowFrame;

export const INPUT_MESSAGE_TYPES = Object.keys(INPUT_KINDS) as InputMessageType[];
export const INPUT_FRAME_KINDS: readonly InputKind[] = INPUT_MESSAGE_TYPES.map(
  (t) => INPUT_KINDS[t].kind,
);

export function isInputMessageType(type: string): type is InputMessageType {
  return Object.hasOwn(INPUT_KINDS, type);
}

/** The decoded frame for a message of `type` (the message must be of that type). */
export function decodedFrame(type: InputMessageType, message: InputMessage): DecodedFrame {
  const kind = INPUT_KINDS[type].kind;
  switch (kind) {
    case "image":
      return { kind, message: message as RawImage };
    case "compressed":
      return { kind, message: message as CompressedImage };
    case "events":
      return { kind, message: message as EventPacketMessage };
    default:
      return unreachable(kind, "input kind");
  }
}

/** The same frame with its message's bytes replaced (handed over to the worker). */
export function withData(
  frame: Exclude<DecodedFrame, { kind: "events" }>,
  data: Uint8Array,
): Exclude<DecodedFrame, { kind: "events" }> {
  switch (frame.kind) {
    case "image":
      return { kind: frame.kind, message: { ...frame.message, data } };
    case "compressed":
      return { kind: frame.kind, message: { ...frame.message, data } };
    default:
      return unreachable(frame, "frame kind");
  }
}

/** The end of an exhaustive switch: compiles only when every case is handled. */
export function unreachable(value: never, what: string): never {
  throw new Error(`unhandled ${what} ${JSON.stringify(value)}`);
}
