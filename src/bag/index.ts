/**
 * rosbag2 bags without ROS: read MCAP and sqlite3 bags (files or directories) as a stream of
 * serialized messages, write MCAP bags that rosbag2 and Foxglove open.
 *
 *   const bag = await openBag("recording/");           // or "x.mcap", "x.db3"
 *   bag.topics();                                      // [{ name, type, count, qos, ... }]
 *   for await (const m of bag.messages({ topics: ["/camera/image_raw"] })) {
 *     const image = bag.codecFor(m.topic).decode(m.data);
 *   }
 *   await bag.close();
 *
 *   const out = await McapBagWriter.create("out/replay");   // directory bag (or "out.mcap")
 *   await out.addTopic({ name: "/spikenode/classification", type: "vision_msgs/msg/Classification" });
 *   await out.writeMessage("/spikenode/classification", msg, logTimeNs);
 *   await out.close();
 */
export { CHUNK_COMPRESSIONS, type ChunkCompression } from "./compression.js";
export { BagError, type BagErrorCode } from "./errors.js";
export {
  McapBagWriter,
  type BagWriteSummary,
  type BagWriterOptions,
  type TopicSpec,
} from "./mcap-writer.js";
export {
  METADATA_FILE,
  readMetadata,
  serializeMetadataYaml,
  type BagMetadata,
  type BagSummary,
} from "./metadata.js";
export { openBag } from "./open.js";
export {
  INFINITE_DURATION,
  RECORDED_LATCHED_QOS,
  RECORDED_RELIABLE_QOS,
  SENSOR_DATA_QOS,
  parseQosProfiles,
  serializeQosProfiles,
  type QosProfile,
} from "./qos.js";
export { identifyStorageFile } from "./sniff.js";
export { stampToNanoseconds, nanosecondsToStamp } from "./time.js";
export type {
  BagMessage,
  BagProblem,
  BagReader,
  ReadOptions,
  StorageId,
  StoredSchema,
  TopicInfo,
} from "./types.js";
