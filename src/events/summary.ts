/**
 * What one event topic held: packets, CD events by polarity, triggers, the first and last event
 * times (exact ns), geometry, encodings, and the packets that had problems, counted by reason.
 * Fed packet by packet; never throws for a bad packet.
 */
import type { EventBatch } from "./batch.js";
import {
  PROBLEM_REASONS,
  type DecodeReport,
  type EventPacketLike,
  type ProblemReason,
} from "./types.js";

/** Decoder reasons, plus a message whose CDR bytes did not decode (counted by the caller). */
export type SummaryReason = ProblemReason | "undecodable_message";
export const SUMMARY_REASONS: readonly SummaryReason[] = [
  ...PROBLEM_REASONS,
  "undecodable_message",
];

export interface EventStreamSummaryJson {
  packets: number;
  cdEvents: number;
  on: number;
  off: number;
  triggers: number;
  /** Exact ns as decimal digit strings (they exceed 2^53); null without events. */
  firstEventNs: string | null;
  lastEventNs: string | null;
  firstTriggerNs: string | null;
  lastTriggerNs: string | null;
  width: number;
  height: number;
  /** Every [width, height] seen, when packets disagree. */
  geometries: [number, number][];
  encodings: string[];
  /** Packets that met each reason (a packet may count under several). */
  badPackets: Partial<Record<SummaryReason, number>>;
  /** Events dropped: outside the sensor, invalid time, or before evt3's first time words. */
  droppedEvents: number;
}

export class EventStreamSummary {
  packets = 0;
  cdEvents = 0;
  on = 0;
  triggers = 0;
  firstEventNs: bigint | undefined;
  lastEventNs: bigint | undefined;
  firstTriggerNs: bigint | undefined;
  lastTriggerNs: bigint | undefined;
  droppedEvents = 0;
  readonly encodings = new Set<string>();
  readonly geometries = new Map<string, [number, number]>();
  readonly badPackets = new Map<SummaryReason, number>();

  get off(): number {
    return this.cdEvents - this.on;
  }

  /** One decoded packet: its report and the batch the decoder filled. */
  add(packet: EventPacketLike, report: DecodeReport, batch: EventBatch): void {
    this.packets++;
    this.encodings.add(packet.encoding);
    this.geometries.set(`${packet.width}x${packet.height}`, [packet.width, packet.height]);
    for (let i = 0; i < PROBLEM_REASONS.length; i++) {
      if ((report.problems & (1 << i)) !== 0) this.#bad(PROBLEM_REASONS[i]);
    }
    this.droppedEvents += report.dropped;
    if (batch.count > 0) {
      this.firstEventNs ??= batch.timeNs(0);
      this.lastEventNs = batch.timeNs(batch.count - 1);
      this.cdEvents += batch.count;
      this.on += batch.onCount();
    }
    if (batch.triggerCount > 0) {
      this.firstTriggerNs ??= batch.triggerTimeNs(0);
      this.lastTriggerNs = batch.triggerTimeNs(batch.triggerCount - 1);
      this.triggers += batch.triggerCount;
    }
  }

  /** A message on the topic that could not be decoded from CDR. */
  addUndecodable(): void {
    this.packets++;
    this.#bad("undecodable_message");
  }

  #bad(reason: SummaryReason): void {
    this.badPackets.set(reason, (this.badPackets.get(reason) ?? 0) + 1);
  }

  toJSON(): EventStreamSummaryJson {
    const geometries = [...this.geometries.values()];
    const last = geometries.at(-1) ?? [0, 0];
    const digits = (t: bigint | undefined) => (t === undefined ? null : t.toString());
    return {
      packets: this.packets,
      cdEvents: this.cdEvents,
      on: this.on,
      off: this.off,
      triggers: this.triggers,
      firstEventNs: digits(this.firstEventNs),
      lastEventNs: digits(this.lastEventNs),
      firstTriggerNs: digits(this.firstTriggerNs),
      lastTriggerNs: digits(this.lastTriggerNs),
      width: last[0],
      height: last[1],
      geometries,
      encodings: [...this.encodings],
      badPackets: Object.fromEntries(
        SUMMARY_REASONS.filter((r) => this.badPackets.has(r)).map((r) => [
          r,
          this.badPackets.get(r),
        ]),
      ),
      droppedEvents: this.droppedEvents,
    };
  }
}
