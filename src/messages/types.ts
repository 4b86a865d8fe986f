/**
 * TypeScript shapes of the bundled messages, as `codecFor(type).decode` returns them: `uint8[]`
 * and other numeric arrays as typed arrays (`uint8[]` as a zero-copy view into the CDR bytes),
 * 64-bit integers as bigint. `encode` also takes plain number arrays and numbers for 64-bit fields
 * (see `Encodable`), and fills fields it is not given with their defaults (0, "", empty).
 */

export interface Time {
  sec: number;
  /** [0, 1e9) */
  nanosec: number;
}

export type Duration = Time;

export interface Header {
  stamp: Time;
  frame_id: string;
}

export interface RawImage {
  header: Header;
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number;
  /** Full row length in bytes. */
  step: number;
  data: Uint8Array;
}

export interface CompressedImage {
  header: Header;
  format: string;
  data: Uint8Array;
}

export interface ObjectHypothesis {
  class_id: string;
  score: number;
}

export interface Classification {
  header: Header;
  results: ObjectHypothesis[];
}

export interface VisionClass {
  class_id: number;
  class_name: string;
}

export interface LabelInfo {
  header: Header;
  class_map: VisionClass[];
  threshold: number;
}

export interface VisionInfo {
  header: Header;
  method: string;
  database_location: string;
  database_version: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

/** diagnostic_msgs/msg/DiagnosticStatus level constants. */
export const DiagnosticLevel = { OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const;
export type DiagnosticLevel = (typeof DiagnosticLevel)[keyof typeof DiagnosticLevel];

export interface DiagnosticStatus {
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}

export interface DiagnosticArray {
  header: Header;
  status: DiagnosticStatus[];
}

/**
 * event_camera_msgs/msg/EventPacket (and its legacy name event_array_msgs/msg/EventArray): events
 * in the binary layout `encoding` names; `src/events` decodes them.
 */
export interface EventPacket {
  header: Header;
  height: number;
  width: number;
  /** Sequence number, to detect lost packets. */
  seq: bigint;
  /** Reference time of the packet's events; its unit and use depend on the encoding. */
  time_base: bigint;
  /** "evt3", "libcaer_cmp", "libcaer", "mono" or "trigger". */
  encoding: string;
  is_bigendian: boolean;
  /** The encoded events: a zero-copy view into the CDR bytes. */
  events: Uint8Array;
}

/** spikenode/msg/SpikeClassification (msg/SpikeClassification.msg). */
export interface SpikeClassification {
  header: Header;
  class_id: number;
  class_name: string;
  /** Softmax confidence of the winning class, in [0, 1]. */
  confidence: number;
  /** Softmax score of every class, in class order. */
  scores: Float64Array;
  output_spike_counts: Uint32Array;
  timesteps_used: number;
  /** Simulated seconds per timestep (dt). */
  timestep_s: number;
  latency_ms: number;
}

/** spikenode/msg/PowerEstimate (msg/PowerEstimate.msg). */
export interface PowerEstimate {
  header: Header;
  profile: string;
  /** "J" (joules, watts) or "flop" (FLOP-relative units). */
  energy_unit: string;
  energy_per_frame: number;
  power: number;
  synaptic_ops: bigint;
  neuron_updates: bigint;
  ann_macs: bigint;
  ann_energy_per_frame: number;
  energy_ratio: number;
  layer_firing_rates_hz: Float32Array;
  /** Hz: the rate `power` is taken at. */
  frame_rate: number;
  /** "measured", "configured" or "nominal". */
  frame_rate_source: string;
}

/** Every bundled type by its full name. */
export interface MessageTypeMap {
  "builtin_interfaces/msg/Time": Time;
  "builtin_interfaces/msg/Duration": Duration;
  "std_msgs/msg/Header": Header;
  "sensor_msgs/msg/Image": RawImage;
  "sensor_msgs/msg/CompressedImage": CompressedImage;
  "vision_msgs/msg/ObjectHypothesis": ObjectHypothesis;
  "vision_msgs/msg/Classification": Classification;
  "vision_msgs/msg/VisionClass": VisionClass;
  "vision_msgs/msg/LabelInfo": LabelInfo;
  "vision_msgs/msg/VisionInfo": VisionInfo;
  "diagnostic_msgs/msg/KeyValue": KeyValue;
  "diagnostic_msgs/msg/DiagnosticStatus": DiagnosticStatus;
  "diagnostic_msgs/msg/DiagnosticArray": DiagnosticArray;
  "event_camera_msgs/msg/EventPacket": EventPacket;
  "event_array_msgs/msg/EventArray": EventPacket;
  "spikenode/msg/SpikeClassification": SpikeClassification;
  "spikenode/msg/PowerEstimate": PowerEstimate;
}

export type BundledType = keyof MessageTypeMap;

/**
 * What `encode` accepts for a decoded shape T: any field may be left out (written as its default),
 * numbers for bigint fields, plain arrays for typed ones.
 */
export type Encodable<T> = T extends bigint
  ? bigint | number
  : T extends Uint8Array
    ? Uint8Array | readonly number[]
    : T extends Float64Array | Float32Array | Uint32Array | Int32Array | Uint16Array | Int16Array
      ? T | readonly number[]
      : T extends readonly (infer U)[]
        ? readonly Encodable<U>[]
        : T extends object
          ? { [K in keyof T]?: Encodable<T[K]> }
          : T;
