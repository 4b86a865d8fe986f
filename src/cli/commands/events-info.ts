import type { Command } from "commander";
import type { EventStreamSummaryJson } from "../../events/index.js";
import type { CommandModule } from "./index.js";

/** Message types whose packets src/events decodes (EventArray is EventPacket's legacy name). */
export const EVENT_PACKET_TYPES = new Set([
  "event_camera_msgs/msg/EventPacket",
  "event_array_msgs/msg/EventArray",
]);

interface EventsInfoOptions {
  json: boolean;
  topic?: string[];
}

export interface EventTopicInfo extends EventStreamSummaryJson {
  topic: string;
  type: string;
}

export const eventsInfoCommand: CommandModule = {
  name: "events-info",
  summary:
    "Decode the event-camera topics of a bag (EventPacket: evt3, libcaer_cmp, libcaer, mono) and count what they hold.",
  configure(command: Command) {
    command
      .argument("<bag>", "a .mcap or .db3 file, or a rosbag2 bag directory")
      .option("--topic <name...>", "only these event topics (default: every EventPacket topic)")
      .option("--json", "print JSON (times as exact decimal strings of ns)", false);
  },
  async load() {
    return async (_command: Command, bagPath: unknown, opts: unknown) => {
      const o = opts as EventsInfoOptions;
      const topics = await eventsInfo(String(bagPath), o.topic, process.stderr.isTTY === true);
      if (o.json)
        process.stdout.write(`${JSON.stringify({ bag: String(bagPath), topics }, null, 2)}\n`);
      else process.stdout.write(formatEventsInfo(topics));
    };
  },
};

/** Every event topic of the bag (or those named), decoded packet by packet. */
export async function eventsInfo(
  bagPath: string,
  only: readonly string[] | undefined,
  progress: boolean,
): Promise<EventTopicInfo[]> {
  const { openBag } = await import("../../bag/index.js");
  const { EventStreamDecoder, EventStreamSummary } = await import("../../events/index.js");
  const { UserError } = await import("../fatal.js");
  const bag = await openBag(bagPath);
  try {
    const all = bag.topics();
    const eventTopics = all.filter((t) => EVENT_PACKET_TYPES.has(t.type));
    const chosen = only ? eventTopics.filter((t) => only.includes(t.name)) : eventTopics;
    const missing = (only ?? []).filter((n) => !chosen.some((t) => t.name === n));
    if (missing.length > 0 || chosen.length === 0) {
      const listed = all.map((t) => `${t.name} (${t.type})`).join(", ") || "no topics";
      throw new UserError(
        `${bagPath}: ${missing.length > 0 ? `no event topic ${missing.join(", ")}` : "no event topics"}; ` +
          `the bag has ${listed}. events-info reads ${[...EVENT_PACKET_TYPES].join(" and ")} topics`,
      );
    }
    const state = new Map(
      chosen.map((t) => [
        t.name,
        {
          type: t.type,
          codec: bag.codecFor(t.name),
          stream: new EventStreamDecoder(),
          summary: new EventStreamSummary(),
        },
      ]),
    );
    let seen = 0;
    let lastShown = performance.now();
    const total = chosen.reduce((a, t) => a + t.count, 0);
    for await (const m of bag.messages({ topics: chosen.map((t) => t.name) })) {
      const s = state.get(m.topic);
      if (!s) continue;
      let packet;
      try {
        packet = s.codec.decode(m.data);
      } catch {
        s.summary.addUndecodable();
        continue;
      }
      const report = s.stream.decode(packet);
      s.summary.add(packet, report, s.stream.batch);
      seen++;
      if (progress && performance.now() - lastShown > 1000) {
        lastShown = performance.now();
        process.stderr.write(`\revents-info: ${seen} / ${total} packets`);
      }
    }
    if (progress && seen > 0) process.stderr.write(`\r${" ".repeat(40)}\r`);
    for (const p of bag.problems) process.stderr.write(`events-info: ${p.file}: ${p.message}\n`);
    return chosen.map((t) => {
      const s = state.get(t.name)!;
      return { topic: t.name, type: s.type, ...s.summary.toJSON() };
    });
  } finally {
    await bag.close();
  }
}

export function formatEventsInfo(topics: readonly EventTopicInfo[]): string {
  const lines: string[] = [];
  for (const t of topics) {
    const bad = Object.entries(t.badPackets).map(([r, n]) => `${r} ${n}`);
    lines.push(
      `${t.topic}  (${t.type})`,
      `  encoding      ${t.encodings.join(", ") || "-"}`,
      `  sensor        ${t.width} × ${t.height}${t.geometries.length > 1 ? ` (${t.geometries.length} geometries)` : ""}`,
      `  packets       ${t.packets}`,
      `  CD events     ${t.cdEvents}  (ON ${t.on}, OFF ${t.off})`,
      `  triggers      ${t.triggers}`,
      `  first event   ${t.firstEventNs ?? "-"} ns`,
      `  last event    ${t.lastEventNs ?? "-"} ns`,
      `  bad packets   ${bad.length > 0 ? bad.join(", ") : "none"}`,
      `  dropped       ${t.droppedEvents} events`,
      "",
    );
  }
  return `${lines.join("\n")}`;
}
