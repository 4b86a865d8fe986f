/**
 * `spikenode events-info`: the shipped recordings' counts and exact times, and a bag of bad
 * packets (each kind counted by reason) whose good packets are still counted.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { McapBagWriter } from "../../src/bag/index.js";
import { Evt3Writer } from "../../src/events/index.js";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";
import { EVT3_BAG, LIBCAER_BAG, MONO_BAG } from "./helpers.js";

function json(args: string[]) {
  const r = runCli(["events-info", ...args, "--json"]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { topics: Record<string, unknown>[] };
}

describe("spikenode events-info", () => {
  it("summarizes the three event_camera_codecs recordings", () => {
    const [evt3] = json([EVT3_BAG]).topics;
    expect(evt3).toMatchObject({
      topic: "/event_camera/events",
      type: "event_camera_msgs/msg/EventPacket",
      encodings: ["evt3"],
      width: 1280,
      height: 720,
      packets: 105,
      cdEvents: 82469,
      on: 41439,
      off: 41030,
      triggers: 2,
      firstEventNs: "14224870000",
      lastEventNs: "15476187000",
      badPackets: {},
      droppedEvents: 0,
    });
    // The two trigger times sum to evt3_decode's trigger checksum.
    expect(BigInt(evt3.firstTriggerNs as string) + BigInt(evt3.lastTriggerNs as string)).toBe(
      29096982000n,
    );

    const [libcaer] = json([LIBCAER_BAG]).topics;
    expect(libcaer).toMatchObject({
      encodings: ["libcaer"],
      width: 640,
      height: 480,
      packets: 201,
      cdEvents: 334331,
      on: 181908,
      off: 152423,
      // Above 2^53: exact only as digit strings.
      firstEventNs: "1702309120762236018",
      lastEventNs: "1702309122762222018",
      badPackets: {},
    });

    const [mono] = json([MONO_BAG]).topics;
    expect(mono).toMatchObject({
      type: "event_array_msgs/msg/EventArray",
      encodings: ["mono"],
      packets: 2,
      cdEvents: 100,
      on: 50,
      off: 50,
      firstEventNs: "0",
      lastEventNs: "99000",
    });
  });

  it("counts bad packets by reason, never stops, and still counts the good ones", async () => {
    const dir = tempDir();
    const path = join(dir, "bad.mcap");
    const out = await McapBagWriter.create(path);
    const topic = "/cam/events";
    await out.addTopic({ name: topic, type: "event_camera_msgs/msg/EventPacket" });
    const writer = new Evt3Writer();
    const good = (t: number) =>
      writer.encode({ count: 2, x: [1, 5], y: [2, 2], polarity: [1, 0], tUs: [t, t + 1] });
    const words = (w: number[]) => new Uint8Array(new Uint16Array(w).buffer);
    const msg = (events: Uint8Array, encoding = "evt3") => ({
      header: { stamp: { sec: 1, nanosec: 0 }, frame_id: "cam" },
      width: 1280,
      height: 720,
      encoding,
      events,
    });
    let t = 1n;
    const put = (m: object) => out.writeMessage(topic, m, t++);
    await put(msg(good(100)));
    await put(msg(new Uint8Array(16), "evt2"));
    await put(msg(new Uint8Array([...good(200), 0x12])));
    await put(msg(words([0x2000 | 1300, 0x2000 | 7])));
    // TIME_HIGH back by 5 steps: jitter, not a wrap — time goes backwards.
    await put(msg(words([0x8000, 0x6000, 0x2003])));
    await out.write(topic, new Uint8Array([0, 1, 0, 0, 9, 9]), t++);
    await put(msg(good(10_000_000)));
    await out.close();

    const [info] = json([path]).topics;
    expect(info).toMatchObject({
      packets: 7,
      cdEvents: 2 + 2 + 1 + 1 + 2,
      badPackets: {
        unknown_encoding: 1,
        truncated_word: 1,
        address_out_of_range: 1,
        time_backwards: 1,
        undecodable_message: 1,
      },
      droppedEvents: 1,
      firstEventNs: "100000",
      lastEventNs: "10000001000",
    });

    const text = runCli(["events-info", path]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("CD events     8  (ON 3, OFF 5)");
    expect(text.stdout).toMatch(/bad packets {3}unknown_encoding 1, truncated_word 1/);
  });

  it("names the topics a bag has when none carries events", () => {
    const r = runCli(["events-info", join(EVT3_BAG, "..", "..", "bags", "fm_png_10.mcap")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no event topics; the bag has \/camera\/image_raw\/compressed/);
  });
});
