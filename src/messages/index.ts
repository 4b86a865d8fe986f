/**
 * ROS 2 messages spikenode reads and writes: bundled .msg definitions, `ros2msg` schema text, and
 * the CDR codec shared by the ROS node, bags and tests.
 *
 *   const image = codecFor("sensor_msgs/msg/Image").decode(cdrBytes);
 *   const bytes = codecFor("vision_msgs/msg/Classification").encode({ header, results });
 *   const codec = codecFromSchema(channel.schemaName, schemaText, "ros2msg");
 */
export { codecFor, codecFromSchema, type Codec, type SchemaEncoding } from "./codec.js";
export { BUNDLED_DEFINITIONS } from "./definitions.js";
export { CdrDecodeError, CdrEncodeError, MessageDefinitionError } from "./errors.js";
export {
  SCHEMA_SEPARATOR,
  bundledTypes,
  directDependencies,
  fullTypeName,
  hasBundledDefinition,
  ros2msgSchemaText,
  shortTypeName,
} from "./schema.js";
export * from "./types.js";
export {
  classificationMessage,
  labelInfoMessage,
  powerEstimateMessage,
  spikeClassificationMessage,
  type ResultEnergy,
  type ResultFields,
} from "./results.js";
