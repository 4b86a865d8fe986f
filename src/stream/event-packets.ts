/**
 * The main-thread half of event input: packets in, windows out. Every packet is deserialized
 * (when it arrives as CDR) and decoded in order, since the decoders carry state from packet to
 * packet (evt3's time, libcaer_cmp's column); packets are never dropped, windows are. The
 * windows go on into the pipeline's latest-wins queue, where a window is dropped whole when the
 * engine falls behind (counted in `windowsDropped`).
 *
 * Until the worker says how long a window is (it depends on the model's dt and timesteps), the
 * packets wait here, in order, up to MAX_PENDING_PACKETS.
 *
 * A bad packet never throws: it is counted by reason and reported once through `onProblem`.
 */
import { EventStreamDecoder, problemsOf } from "../events/index.js";
import { EventWindower, type EventWindow } from "./event-windows.js";
import type { EventPacketMessage } from "./frame-messages.js";
import type { InputMessage, InputMessageType } from "./input-kinds.js";
import type { EventInputOptions, EventStreamStats } from "./types.js";

export const EVENT_PACKET_TYPE = "event_camera_msgs/msg/EventPacket" satisfies InputMessageType;

/** Packets held while the model loads; more are counted as dropped ("not_ready"). */
const MAX_PENDING_PACKETS = 10_000;

export type PacketInput =
  | { kind: "events"; message: EventPacketMessage }
  | { kind: "serialized"; type: typeof EVENT_PACKET_TYPE; data: Uint8Array };

export interface PacketProblem {
  packet: number;
  reason: string;
  message: string;
}

export interface EventPacketSinks {
  window: (window: EventWindow) => void;
  problem: (problem: PacketProblem) => void;
}

export class EventPacketStage {
  readonly stats: EventStreamStats = {
    packets: 0,
    badPackets: 0,
    problemsByReason: {},
    events: 0,
    eventsDropped: 0,
    eventsInDroppedWindows: 0,
    windowsDropped: {},
    windowsSkipped: 0,
  };
  private readonly decoder = new EventStreamDecoder();
  private windower: EventWindower | undefined;
  private pending: PacketInput[] = [];
  private failed: string | undefined;
  private lateSeen = 0;

  constructor(
    private readonly options: EventInputOptions,
    private readonly deserialize:
      ((type: InputMessageType, bytes: Uint8Array) => InputMessage) | undefined,
    private readonly sinks: EventPacketSinks,
  ) {}

  /** Whether packets become windows yet (the model is loaded), or are refused (it failed). */
  get started(): boolean {
    return this.windower !== undefined || this.failed !== undefined;
  }

  /** The window length is known (the worker loaded the model): packets held so far go through. */
  start(windowNs: number): void {
    this.windower = new EventWindower({
      windowNs: BigInt(windowNs),
      maxEmptyWindows: this.options.maxEmptyWindows,
      onWindow: this.sinks.window,
    });
    const held = this.pending;
    this.pending = [];
    for (const p of held) this.take(p);
  }

  /** The model could not be loaded, or reads no events: every packet is refused with `why`. */
  fail(reason: string, why: string): void {
    this.failed = why;
    const held = this.pending;
    this.pending = [];
    for (let i = 0; i < held.length; i++) {
      this.stats.packets += 1;
      this.problem(reason, `event packet ${this.stats.packets - 1}: ${why}`, true);
    }
  }

  push(input: PacketInput): void {
    if (this.windower) this.take(input);
    else if (this.failed !== undefined) {
      this.stats.packets += 1;
      this.problem(
        "model_unavailable",
        `event packet ${this.stats.packets - 1}: ${this.failed}`,
        true,
      );
    } else if (this.pending.length < MAX_PENDING_PACKETS) this.pending.push(input);
    else {
      this.stats.packets += 1;
      this.problem(
        "not_ready",
        `event packet ${this.stats.packets - 1}: dropped while the model loads (${MAX_PENDING_PACKETS} packets already wait)`,
        true,
      );
    }
  }

  /** The end of the stream: the open window is classified too. */
  finish(): void {
    this.windower?.finish();
    this.syncWindowerStats();
  }

  /** Counts a window the queue dropped whole. */
  windowDropped(window: EventWindow, reason: string): void {
    this.stats.windowsDropped[reason] = (this.stats.windowsDropped[reason] ?? 0) + 1;
    this.stats.eventsInDroppedWindows += window.count;
  }

  snapshot(): EventStreamStats {
    this.syncWindowerStats();
    return {
      ...this.stats,
      problemsByReason: { ...this.stats.problemsByReason },
      windowsDropped: { ...this.stats.windowsDropped },
    };
  }

  private take(input: PacketInput): void {
    const n = this.stats.packets;
    this.stats.packets += 1;
    let message: EventPacketMessage;
    if (input.kind === "serialized") {
      if (!this.deserialize) {
        this.problem(
          "no_deserializer",
          `event packet ${n}: serialized ${EVENT_PACKET_TYPE} bytes arrived but the pipeline has no deserialize option; create it with the CDR decoder from src/messages`,
          true,
        );
        return;
      }
      try {
        message = this.deserialize(input.type, input.data) as EventPacketMessage;
      } catch (err) {
        this.problem(
          "deserialize_failed",
          `event packet ${n}: its ${input.data.byteLength} bytes could not be decoded as ${EVENT_PACKET_TYPE}: ${(err as Error)?.message ?? String(err)}; check the topic's type`,
          true,
        );
        return;
      }
    } else message = input.message;
    if (!(message?.events instanceof Uint8Array) || typeof message.encoding !== "string") {
      this.problem(
        "invalid_packet",
        `event packet ${n}: not an EventPacket (events must be a Uint8Array, encoding a string)`,
        true,
      );
      return;
    }
    const packet = {
      ...message,
      time_base:
        typeof message.time_base === "bigint" ? message.time_base : BigInt(message.time_base ?? 0),
    };
    let report;
    try {
      report = this.decoder.decode(packet);
    } catch (err) {
      // The decoders report rather than throw; this guards the node against a decoder bug.
      this.problem(
        "decode_failed",
        `event packet ${n}: ${(err as Error)?.message ?? String(err)}`,
        true,
      );
      return;
    }
    const reasons = problemsOf(report.problems);
    const unusable = reasons.includes("unknown_encoding") || reasons.includes("big_endian");
    for (const r of reasons) {
      this.stats.problemsByReason[r] = (this.stats.problemsByReason[r] ?? 0) + 1;
    }
    if (unusable) {
      this.stats.badPackets += 1;
      this.sinks.problem({
        packet: n,
        reason: reasons.includes("big_endian") ? "big_endian" : "unknown_encoding",
        message: reasons.includes("big_endian")
          ? `event packet ${n}: is_bigendian is set; every known driver writes little-endian words, so it was skipped`
          : `event packet ${n}: encoding ${JSON.stringify(message.encoding)} is not one we decode; use evt3, libcaer_cmp, libcaer or mono`,
      });
      return;
    }
    this.stats.events += this.decoder.batch.count;
    this.stats.eventsDropped += report.dropped;
    try {
      this.windower!.push(this.decoder.batch, {
        header: message.header,
        width: message.width,
        height: message.height,
      });
    } catch (err) {
      this.problem(
        "window_failed",
        `event packet ${n}: ${(err as Error)?.message ?? String(err)}`,
        true,
      );
    }
  }

  private syncWindowerStats(): void {
    const w = this.windower?.stats;
    if (!w) return;
    this.stats.eventsDropped += w.late - this.lateSeen;
    this.lateSeen = w.late;
    this.stats.windowsSkipped = w.skippedWindows;
  }

  private problem(reason: string, message: string, bad: boolean): void {
    if (bad) this.stats.badPackets += 1;
    this.stats.problemsByReason[reason] = (this.stats.problemsByReason[reason] ?? 0) + 1;
    this.sinks.problem({ packet: this.stats.packets - 1, reason, message });
  }
}
