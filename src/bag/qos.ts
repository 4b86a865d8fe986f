/**
 * rosbag2's `offered_qos_profiles`: a YAML list of the QoS profiles the recorded publishers
 * offered. Metadata versions up to 8 write the policies as rmw enum integers, version 9 as
 * strings (rosbag2_storage/src/rosbag2_storage/qos.cpp); both are read, version 8 is written.
 */
import { parse as parseYaml } from "yaml";

export type HistoryPolicy = "system_default" | "keep_last" | "keep_all" | "unknown";
export type ReliabilityPolicy =
  "system_default" | "reliable" | "best_effort" | "unknown" | "best_available";
export type DurabilityPolicy =
  "system_default" | "transient_local" | "volatile" | "unknown" | "best_available";
export type LivelinessPolicy =
  | "system_default"
  | "automatic"
  | "manual_by_node"
  | "manual_by_topic"
  | "unknown"
  | "best_available";

/** rmw_time_t as rosbag2 writes it. */
export interface QosDuration {
  sec: number;
  nsec: number;
}

export interface QosProfile {
  history: HistoryPolicy;
  depth: number;
  reliability: ReliabilityPolicy;
  durability: DurabilityPolicy;
  deadline: QosDuration;
  lifespan: QosDuration;
  liveliness: LivelinessPolicy;
  livelinessLeaseDuration: QosDuration;
  avoidRosNamespaceConventions: boolean;
}

// rmw enum values, in order (rmw/types.h).
const HISTORY: HistoryPolicy[] = ["system_default", "keep_last", "keep_all", "unknown"];
const RELIABILITY: ReliabilityPolicy[] = [
  "system_default",
  "reliable",
  "best_effort",
  "unknown",
  "best_available",
];
const DURABILITY: DurabilityPolicy[] = [
  "system_default",
  "transient_local",
  "volatile",
  "unknown",
  "best_available",
];
const LIVELINESS: LivelinessPolicy[] = [
  "system_default",
  "automatic",
  "manual_by_node",
  "manual_by_topic",
  "unknown",
  "best_available",
];

/** RMW_DURATION_INFINITE as rosbag2 writes it. */
export const INFINITE_DURATION: QosDuration = { sec: 9223372036, nsec: 854775807 };

/** What rosbag2 records for a plain reliable publisher (history is not discoverable: unknown). */
export const RECORDED_RELIABLE_QOS: QosProfile = {
  history: "unknown",
  depth: 0,
  reliability: "reliable",
  durability: "volatile",
  deadline: INFINITE_DURATION,
  lifespan: INFINITE_DURATION,
  liveliness: "automatic",
  livelinessLeaseDuration: INFINITE_DURATION,
  avoidRosNamespaceConventions: false,
};

/** A latched publisher (e.g. label_info): reliable, transient local. */
export const RECORDED_LATCHED_QOS: QosProfile = {
  ...RECORDED_RELIABLE_QOS,
  durability: "transient_local",
};

/** rmw's sensor-data profile (best effort, keep last 5, volatile). */
export const SENSOR_DATA_QOS: QosProfile = {
  ...RECORDED_RELIABLE_QOS,
  history: "keep_last",
  depth: 5,
  reliability: "best_effort",
};

function policy<T extends string>(names: T[], value: unknown, fallback: T): T {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value < names.length) {
    return names[value];
  }
  if (typeof value === "string") {
    const v = value.trim().toLowerCase() as T;
    if (names.includes(v)) return v;
  }
  return fallback;
}

function duration(value: unknown): QosDuration {
  if (value && typeof value === "object") {
    const { sec, nsec } = value as { sec?: unknown; nsec?: unknown };
    if (typeof sec === "number" && typeof nsec === "number") return { sec, nsec };
  }
  return { ...INFINITE_DURATION };
}

/**
 * Parses offered_qos_profiles. Unknown or missing policies read as "unknown"; text that is not a
 * YAML list of profiles gives [] (the QoS is advisory, the messages are still readable).
 */
export function parseQosProfiles(yamlText: string): QosProfile[] {
  if (yamlText.trim() === "") return [];
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch {
    return [];
  }
  if (!Array.isArray(doc)) return [];
  return doc
    .filter((p): p is Record<string, unknown> => p !== null && typeof p === "object")
    .map((p) => ({
      history: policy(HISTORY, p.history, "unknown"),
      depth: typeof p.depth === "number" ? p.depth : 0,
      reliability: policy(RELIABILITY, p.reliability, "unknown"),
      durability: policy(DURABILITY, p.durability, "unknown"),
      deadline: duration(p.deadline),
      lifespan: duration(p.lifespan),
      liveliness: policy(LIVELINESS, p.liveliness, "unknown"),
      livelinessLeaseDuration: duration(p.liveliness_lease_duration),
      avoidRosNamespaceConventions: p.avoid_ros_namespace_conventions === true,
    }));
}

/** offered_qos_profiles exactly as rosbag2 (metadata version 8) writes it. */
export function serializeQosProfiles(profiles: readonly QosProfile[]): string {
  return profiles
    .map((p) =>
      [
        `- history: ${HISTORY.indexOf(p.history)}`,
        `  depth: ${p.depth}`,
        `  reliability: ${RELIABILITY.indexOf(p.reliability)}`,
        `  durability: ${DURABILITY.indexOf(p.durability)}`,
        `  deadline:`,
        `    sec: ${p.deadline.sec}`,
        `    nsec: ${p.deadline.nsec}`,
        `  lifespan:`,
        `    sec: ${p.lifespan.sec}`,
        `    nsec: ${p.lifespan.nsec}`,
        `  liveliness: ${LIVELINESS.indexOf(p.liveliness)}`,
        `  liveliness_lease_duration:`,
        `    sec: ${p.livelinessLeaseDuration.sec}`,
        `    nsec: ${p.livelinessLeaseDuration.nsec}`,
        `  avoid_ros_namespace_conventions: ${p.avoidRosNamespaceConventions}`,
      ].join("\n"),
    )
    .join("\n");
}
