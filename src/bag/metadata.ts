/**
 * rosbag2's metadata.yaml (rosbag2_storage/yaml.hpp): read for the storage plugin and file order
 * of a bag directory; written (version 8 layout) beside the MCAP files we record, so that
 * `ros2 bag info` and `ros2 bag play` take the directory.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { BagError } from "./errors.js";

export const METADATA_FILE = "metadata.yaml";

export interface BagMetadata {
  version: number;
  storageIdentifier: string;
  relativeFilePaths: string[];
  compressionFormat: string;
  compressionMode: string;
}

/** Reads the parts of metadata.yaml a reader needs; BagError when it is not rosbag2 metadata. */
export async function readMetadata(path: string): Promise<BagMetadata> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new BagError("not_found", path, `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BagError(
      "not_a_bag",
      path,
      `${path} is not valid YAML (${(err as Error).message.split("\n")[0]}); restore it or run \`ros2 bag reindex\``,
      { cause: err },
    );
  }
  const info = (doc as { rosbag2_bagfile_information?: Record<string, unknown> } | null)
    ?.rosbag2_bagfile_information;
  if (!info || typeof info !== "object") {
    throw new BagError(
      "not_a_bag",
      path,
      `${path} has no rosbag2_bagfile_information; it is not rosbag2 metadata (restore it or run \`ros2 bag reindex\`)`,
    );
  }
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  const paths = Array.isArray(info.relative_file_paths)
    ? info.relative_file_paths.filter((p): p is string => typeof p === "string")
    : [];
  return {
    version: typeof info.version === "number" ? info.version : 0,
    storageIdentifier: str(info.storage_identifier),
    relativeFilePaths: paths,
    compressionFormat: str(info.compression_format),
    compressionMode: str(info.compression_mode),
  };
}

export interface TopicSummary {
  name: string;
  type: string;
  serializationFormat: string;
  offeredQosProfiles: string;
  typeDescriptionHash: string;
  messageCount: number;
}

export interface FileSummary {
  path: string;
  startTime: bigint;
  duration: bigint;
  messageCount: number;
}

export interface BagSummary {
  storageIdentifier: string;
  startTime: bigint;
  duration: bigint;
  messageCount: number;
  topics: TopicSummary[];
  files: FileSummary[];
  rosDistro: string;
}

/** rosbag2's starting time of a bag without messages (INT64_MAX). */
export const NO_MESSAGES_TIME = 9223372036854775807n;

// Plain YAML scalars where rosbag2 writes them plain; anything else as a JSON (= YAML double-quoted) string.
const scalar = (s: string): string =>
  /^[A-Za-z0-9_/.][A-Za-z0-9_/.-]*$/.test(s) ? s : JSON.stringify(s);

/** The bagfile information mapping, unindented (also the MCAP "rosbag2" metadata record). */
export function serializeBagInformation(summary: BagSummary): string {
  const lines = [
    "version: 8",
    `storage_identifier: ${summary.storageIdentifier}`,
    "duration:",
    `  nanoseconds: ${summary.duration}`,
    "starting_time:",
    `  nanoseconds_since_epoch: ${summary.startTime}`,
    `message_count: ${summary.messageCount}`,
  ];
  if (summary.topics.length === 0) {
    lines.push("topics_with_message_count:", "  []");
  } else {
    lines.push("topics_with_message_count:");
    for (const t of summary.topics) {
      lines.push(
        "  - topic_metadata:",
        `      name: ${scalar(t.name)}`,
        `      type: ${scalar(t.type)}`,
        `      serialization_format: ${scalar(t.serializationFormat)}`,
        `      offered_qos_profiles: ${JSON.stringify(t.offeredQosProfiles)}`,
        `      type_description_hash: ${JSON.stringify(t.typeDescriptionHash)}`,
        `    message_count: ${t.messageCount}`,
      );
    }
  }
  lines.push('compression_format: ""', 'compression_mode: ""', "relative_file_paths:");
  for (const f of summary.files) lines.push(`  - ${scalar(f.path)}`);
  lines.push("files:");
  for (const f of summary.files) {
    lines.push(
      `  - path: ${scalar(f.path)}`,
      "    starting_time:",
      `      nanoseconds_since_epoch: ${f.startTime}`,
      "    duration:",
      `      nanoseconds: ${f.duration}`,
      `    message_count: ${f.messageCount}`,
    );
  }
  lines.push("custom_data: ~", `ros_distro: ${JSON.stringify(summary.rosDistro)}`);
  return lines.join("\n");
}

/** metadata.yaml content, as rosbag2 writes it. */
export function serializeMetadataYaml(summary: BagSummary): string {
  const body = serializeBagInformation(summary)
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
  return `rosbag2_bagfile_information:\n${body}\n`;
}
