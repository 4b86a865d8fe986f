/**
 * Frames → an event camera's recording: the delta encoder (src/encode/delta.ts, the emulation the
 * moving-fashion models were trained on) turns each frame into ON/OFF events, which are written as
 * `event_camera_msgs/msg/EventPacket` packets, encoding `evt3` (Evt3Writer), in a rosbag2 MCAP bag.
 *
 * The sensor is the frame's own size (one sensor pixel per input pixel). Frame f's events are at
 * sensor time `startUs + f · periodUs` (all the events of a frame at once, as the delta encoder
 * injects them on the frame's first tick); a pixel whose log intensity moved n thresholds fires n
 * events. Packets are cut every `packetUs` of sensor time (drivers send at ~1 kHz), each opening
 * with its time words, so time advances even through packets without events. A packet's
 * header.stamp is the ROS time of its first event (of its start when it has none), as
 * metavision_driver stamps them: ROS time = SAMPLE_START_TIME + (sensor time − startUs).
 *
 * The event path then classifies this bag exactly as the frame path classifies the frames at
 * `1 / periodUs` fps (same events, same spikes, same scores), given windows of `periodUs`.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createEncoder } from "../encode/index.js";
import { Evt3Writer } from "../events/evt3-writer.js";
import { codecFor } from "../messages/index.js";
import type { Encoder } from "../snn/model-spec.js";
import { labelsJson, SAMPLE_START_TIME, type GrayFrameSource } from "../bag/camera-sample.js";
import type { ChunkCompression } from "../bag/compression.js";
import { McapBagWriter, type BagWriteSummary } from "../bag/mcap-writer.js";
import { RECORDED_RELIABLE_QOS } from "../bag/qos.js";
import { nanosecondsToStamp } from "../bag/time.js";

export const EVENT_SAMPLE_TOPIC = "/camera/events";

export interface EventSampleOptions {
  out: string;
  /** The delta encoder whose events are recorded (the model file's input.encoder). */
  encoder: Extract<Encoder, { type: "delta" }>;
  /** Sensor µs between frames (a whole number): the model's timesteps · dt for equal results. */
  periodUs: number;
  /** Sensor µs per packet (a whole number). Default 1000 (1 kHz). */
  packetUs?: number;
  /** Sensor time of frame 0, µs (below 2^24 so a reader sees it as written). Default 1 000 000. */
  startUs?: number;
  compression?: ChunkCompression;
  overwrite?: boolean;
  frameId?: string;
}

export interface EventSampleResult {
  bag: BagWriteSummary;
  labelsFile: string;
  topic: string;
  packets: number;
  events: number;
}

/** The delta encoder's events of one frame as counts per pixel: + ON, − OFF. */
function frameEvents(values: ArrayLike<number>, height: number, out: Int32Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const n = values[i] === 0 ? 0 : Math.round(values[i] / height);
    out[i] = n;
    total += Math.abs(n);
  }
  return total;
}

export async function writeEventSample(
  frames: GrayFrameSource,
  options: EventSampleOptions,
): Promise<EventSampleResult> {
  const packetUs = options.packetUs ?? 1000;
  const startUs = options.startUs ?? 1_000_000;
  const { periodUs } = options;
  for (const [name, v] of [
    ["periodUs", periodUs],
    ["packetUs", packetUs],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`event sample: ${name} ${v} must be a whole number of µs >= 1`);
  }
  if (!Number.isInteger(startUs) || startUs < 0 || startUs >= 2 ** 24)
    throw new RangeError(`event sample: startUs ${startUs} must be a whole µs in [0, 2^24)`);
  if (frames.width >= 2048 || frames.height >= 2048)
    throw new RangeError(
      `event sample: ${frames.width}×${frames.height} is past EVT 3.0's 11-bit addresses`,
    );
  const { width, height } = frames;
  const size = width * height;
  const dt = 1e-3; // the delta encoder's event value is amplitude/dt; only the count n is kept
  const encoder = createEncoder(options.encoder, [1, height, width], dt);
  const unit = (options.encoder.amplitude ?? 1) / dt;
  const frameId = options.frameId ?? "camera_optical_frame";
  const codec = codecFor("event_camera_msgs/msg/EventPacket");
  const out = await McapBagWriter.create(options.out, {
    compression: options.compression ?? "zstd",
    zstdLevel: 19,
    overwrite: options.overwrite,
  });
  await out.addTopic({
    name: EVENT_SAMPLE_TOPIC,
    type: "event_camera_msgs/msg/EventPacket",
    qos: [RECORDED_RELIABLE_QOS],
  });
  const writer = new Evt3Writer();
  const bytes = new Uint8Array(size);
  const tensor = new Float32Array(size);
  const counts = new Int32Array(size);
  // Events of the packet being gathered.
  let ex: number[] = [];
  let ey: number[] = [];
  let ep: number[] = [];
  let et: number[] = [];
  let packets = 0;
  let events = 0;
  const endUs = startUs + frames.count * periodUs;
  let f = 0;
  for (let p = startUs; p < endUs; p += packetUs) {
    const next = p + packetUs;
    for (; f < frames.count && startUs + f * periodUs < next; f++) {
      frames.render(f, bytes);
      for (let i = 0; i < size; i++) tensor[i] = bytes[i] * (1 / 255);
      encoder.present(tensor);
      events += frameEvents(encoder.tick(), unit, counts);
      const t = startUs + f * periodUs;
      for (let i = 0; i < size; i++) {
        const n = counts[i];
        for (let k = 0; k < Math.abs(n); k++) {
          ex.push(i % width);
          ey.push(Math.floor(i / width));
          ep.push(n > 0 ? 1 : 0);
          et.push(t);
        }
      }
    }
    const data = writer.encode(
      { count: ex.length, x: ex, y: ey, polarity: ep, tUs: et },
      undefined,
      { fromUs: p },
    );
    const firstUs = ex.length > 0 ? et[0] : p;
    const stamp = SAMPLE_START_TIME + BigInt(firstUs - startUs) * 1000n;
    await out.write(
      EVENT_SAMPLE_TOPIC,
      codec.encode({
        header: { stamp: nanosecondsToStamp(stamp), frame_id: frameId },
        height,
        width,
        seq: BigInt(packets),
        time_base: 0n,
        encoding: "evt3",
        is_bigendian: false,
        events: data,
      }),
      stamp,
      stamp,
    );
    packets += 1;
    ex = [];
    ey = [];
    ep = [];
    et = [];
  }
  const bag = await out.close();
  const labelsFile = options.out.endsWith(".mcap")
    ? `${options.out}.labels.json`
    : join(options.out, "labels.json");
  // One label per frame: with windows of periodUs, window i is frame i.
  await writeFile(
    labelsFile,
    labelsJson({
      topic: EVENT_SAMPLE_TOPIC,
      dataset: frames.name,
      classes: frames.classes,
      labels: Array.from(frames.labels),
      clips: frames.clips,
    }),
  );
  return { bag, labelsFile, topic: EVENT_SAMPLE_TOPIC, packets, events };
}
