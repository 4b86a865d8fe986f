/** Topic names and message types of the node. `~/` names resolve under the node's own name. */

export const IMAGE_TYPE = "sensor_msgs/msg/Image";
export const COMPRESSED_IMAGE_TYPE = "sensor_msgs/msg/CompressedImage";
export type ImageType = typeof IMAGE_TYPE | typeof COMPRESSED_IMAGE_TYPE;

export const OUTPUTS = {
  classification: { topic: "~/classification", type: "vision_msgs/msg/Classification" },
  spikeClassification: {
    topic: "~/spike_classification",
    type: "spikenode/msg/SpikeClassification",
  },
  power: { topic: "~/power", type: "spikenode/msg/PowerEstimate" },
  labelInfo: { topic: "~/label_info", type: "vision_msgs/msg/LabelInfo" },
  diagnostics: { topic: "/diagnostics", type: "diagnostic_msgs/msg/DiagnosticArray" },
} as const;

export type OutputName = keyof typeof OUTPUTS;

/** image_transport names a compressed stream `<base>/compressed`. */
export function imageSubscription(
  imageTopic: string,
  compressed: boolean,
): { topic: string; type: ImageType } {
  if (!compressed) return { topic: imageTopic, type: IMAGE_TYPE };
  const topic =
    imageTopic.endsWith("/compressed") || imageTopic === "compressed"
      ? imageTopic
      : `${imageTopic}/compressed`;
  return { topic, type: COMPRESSED_IMAGE_TYPE };
}
