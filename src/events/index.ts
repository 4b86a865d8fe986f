/**
 * Event-camera packets in, timestamped events out: decoders for the encodings of
 * event_camera_msgs/msg/EventPacket (evt3, libcaer_cmp, libcaer, mono, trigger), each keeping its
 * state across packets, writing struct-of-arrays batches with exact nanosecond times.
 *
 *   const stream = new EventStreamDecoder();
 *   const report = stream.decode(codecFor("event_camera_msgs/msg/EventPacket").decode(cdr));
 *   const { batch } = stream;              // batch.x[i], batch.y[i], batch.polarity[i]
 *   batch.timeNs(i);                       // bigint, exact
 *   problemsOf(report.problems);           // ["address_out_of_range", ...]
 *
 * Imports nothing of ours (design.md's layer table).
 */
export { EventBatch } from "./batch.js";
export { Evt3Decoder } from "./evt3.js";
export { LibcaerCmpDecoder } from "./libcaer-cmp.js";
export { LibcaerDecoder, MonoDecoder, TriggerDecoder } from "./word64.js";
export { DECODERS, ENCODINGS, EventStreamDecoder, createDecoder } from "./stream-decoder.js";
export {
  PROBLEM_REASONS,
  problemBit,
  problemsOf,
  type DecodeReport,
  type EncodingDecoder,
  type EventPacketLike,
  type ProblemReason,
} from "./types.js";
export { Evt3Writer, type Evt3Events, type Evt3Triggers } from "./evt3-writer.js";
export {
  EventStreamSummary,
  SUMMARY_REASONS,
  type EventStreamSummaryJson,
  type SummaryReason,
} from "./summary.js";
export { parseNmnist, type NmnistOptions, type NmnistRecording } from "./nmnist.js";
