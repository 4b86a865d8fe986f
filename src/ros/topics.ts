/** Topic names and message types of the node. `~/` names resolve under the node's own name. */
import { LABEL_INFO_TYPE, RESULT_OUTPUT_TYPES } from "../messages/results.js";
import { INPUT_KINDS, type InputMessageType } from "../stream/input-kinds.js";

export const OUTPUTS = {
  classification: { topic: "~/classification", type: RESULT_OUTPUT_TYPES.classification },
  spikeClassification: {
    topic: "~/spike_classification",
    type: RESULT_OUTPUT_TYPES.spikeClassification,
  },
  power: { topic: "~/power", type: RESULT_OUTPUT_TYPES.power },
  labelInfo: { topic: "~/label_info", type: LABEL_INFO_TYPE },
  diagnostics: { topic: "/diagnostics", type: "diagnostic_msgs/msg/DiagnosticArray" },
} as const;

export type OutputName = keyof typeof OUTPUTS;

/**
 * The topic and type to subscribe to for `imageTopic`: raw images on the topic itself, a
 * compressed stream on `<base>/compressed` as image_transport names it (INPUT_KINDS' topic
 * suffix), unless the name already ends in it.
 */
export function imageSubscription(
  imageTopic: string,
  compressed: boolean,
): { topic: string; type: InputMessageType } {
  const type: InputMessageType = compressed
    ? "sensor_msgs/msg/CompressedImage"
    : "sensor_msgs/msg/Image";
  const suffix: string = INPUT_KINDS[type].topicSuffix;
  if (suffix === "" || imageTopic.endsWith(suffix) || imageTopic === suffix.slice(1))
    return { topic: imageTopic, type };
  return { topic: `${imageTopic}${suffix}`, type };
}

/** What the node subscribes to for its parameters: the event topic, or the image topic. */
export function inputSubscription(params: {
  input: string;
  image_topic: string;
  compressed: boolean;
  event_topic: string;
}): { topic: string; type: InputMessageType } {
  if (params.input === "events")
    return { topic: params.event_topic, type: "event_camera_msgs/msg/EventPacket" };
  return imageSubscription(params.image_topic, params.compressed);
}
