/**
 * What a decoder takes and reports. The packet shape is the fields of
 * event_camera_msgs/msg/EventPacket that decoding needs, declared here so `events/` imports
 * nothing of ours; a decoded CDR message fits it structurally.
 */
import type { EventBatch } from "./batch.js";

export interface EventPacketLike {
  /** Sensor geometry; 0 means unknown (addresses are then not checked). */
  width: number;
  height: number;
  /** Reference time: ns for libcaer and mono, µs for libcaer_cmp, unused by evt3. */
  time_base: bigint;
  encoding: string;
  is_bigendian: boolean;
  events: Uint8Array;
}

/** Why a packet (or part of it) could not be decoded as sent; counted, never thrown. */
export const PROBLEM_REASONS = [
  /** `encoding` names no decoder we have: the packet is skipped. */
  "unknown_encoding",
  /** The byte count is not a whole number of words: the trailing bytes are ignored. */
  "truncated_word",
  /** An event is dated before the previous one of the same stream. */
  "time_backwards",
  /** An event's x or y is outside width × height: that event is dropped. */
  "address_out_of_range",
  /** A word whose type code the encoding does not define: the word is skipped. */
  "unknown_word",
  /** A libcaer timestamp with its sign bit set (libcaer's are 31-bit): that event is dropped. */
  "invalid_timestamp",
  /** is_bigendian is true; every known driver writes little-endian words: the packet is skipped. */
  "big_endian",
] as const;
export type ProblemReason = (typeof PROBLEM_REASONS)[number];

/** What one decode call found, beside the events it wrote. */
export interface DecodeReport {
  /** Bit set of ProblemReason indices met in this packet (see `problemsOf`). */
  problems: number;
  /** Events dropped (addresses out of range, invalid timestamps, or before the first time word). */
  dropped: number;
}

export function problemBit(reason: ProblemReason): number {
  return 1 << PROBLEM_REASONS.indexOf(reason);
}

export function problemsOf(bits: number): ProblemReason[] {
  return PROBLEM_REASONS.filter((_, i) => (bits & (1 << i)) !== 0);
}

/**
 * One encoding's decoder. It keeps state across packets of one stream (evt3's time and row, the
 * libcaer_cmp column), so one instance serves one topic and sensor; `reset()` forgets it.
 */
export interface EncodingDecoder {
  readonly encoding: string;
  /** Bytes per word; a packet's length should be a multiple of it. */
  readonly wordBytes: number;
  /** Clears `out` and fills it with the packet's events. */
  decode(packet: EventPacketLike, out: EventBatch): DecodeReport;
  reset(): void;
}
