/**
 * `spikenode replay` through replayBag: real bags (the shipped sample, the independent fixtures,
 * bags with bad frames written here), the real pipeline and a real model, the output bag read back.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { McapBagWriter, stampToNanoseconds } from "../../src/bag/index.js";
import { REPLAY_TOPICS, replayBag, type ReplaySummary } from "../../src/bag/replay/index.js";
import {
  codecFor,
  type Classification,
  type CompressedImage,
  type RawImage,
  type LabelInfo,
  type PowerEstimate,
  type SpikeClassification,
} from "../../src/messages/index.js";
import {
  FIXTURE_MODEL,
  SAMPLE_BAG,
  fixtureBag,
  imageMessages,
  readBack,
  tempDir,
} from "./helpers.js";

const GOLDEN_LABELS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Checks the output bag against the source frames and the summary; returns what it read. */
async function checkOutput(
  summary: ReplaySummary,
  sourceTopic: string,
  sourceType: string,
  expectedFrames: number,
) {
  const source = (await imageMessages(summary.bag, sourceTopic)).slice(0, expectedFrames);
  const out = await readBack(summary.output.path);
  const topics = [...out.byTopic].map(([name, t]) => [name, t.type, t.messages.length]);
  const ok = summary.classified;
  expect(topics).toEqual([
    [sourceTopic, sourceType, expectedFrames],
    [REPLAY_TOPICS.labelInfo, "vision_msgs/msg/LabelInfo", 1],
    [REPLAY_TOPICS.classification, "vision_msgs/msg/Classification", ok],
    [REPLAY_TOPICS.spikeClassification, "spikenode/msg/SpikeClassification", ok],
    [REPLAY_TOPICS.power, "spikenode/msg/PowerEstimate", ok],
  ]);
  // The images are the source messages, byte for byte, at their log and publish times.
  const images = out.byTopic.get(sourceTopic)!.messages;
  expect(images.map((m) => [m.logTime, m.publishTime])).toEqual(
    source.map((m) => [m.logTime, m.publishTime]),
  );
  // Buffer.compare: deep equality over megabyte frames would take seconds.
  images.forEach((m, i) => expect(Buffer.compare(m.data, source[i].data)).toBe(0));

  // Every result carries its source image's header and log time.
  const sourceHeaders = new Map(
    source.map((m) => {
      const h = (codecFor(sourceType as "sensor_msgs/msg/Image").decode(m.data) as RawImage).header;
      return [m.logTime, h] as const;
    }),
  );
  for (const topic of [
    REPLAY_TOPICS.classification,
    REPLAY_TOPICS.spikeClassification,
    REPLAY_TOPICS.power,
  ]) {
    const t = out.byTopic.get(topic)!;
    t.decoded.forEach((msg, i) => {
      const header = (msg as { header: RawImage["header"] }).header;
      expect(header).toEqual(sourceHeaders.get(t.messages[i].logTime));
    });
  }
  const classifications = out.byTopic.get(REPLAY_TOPICS.classification)!
    .decoded as Classification[];
  for (const c of classifications) {
    expect(c.results.length).toBe(summary.model.labels.length);
    for (let i = 1; i < c.results.length; i++)
      expect(c.results[i - 1].score).toBeGreaterThanOrEqual(c.results[i].score);
    expect(c.results.map((r) => r.class_id).sort()).toEqual(
      summary.model.labels.map((_, i) => String(i)).sort(),
    );
  }
  const spikes = out.byTopic.get(REPLAY_TOPICS.spikeClassification)!
    .decoded as SpikeClassification[];
  spikes.forEach((s, i) => {
    expect(String(s.class_id)).toBe(classifications[i].results[0].class_id);
    expect(s.class_name).toBe(summary.model.labels[s.class_id]);
    expect(s.scores.length).toBe(summary.model.labels.length);
    expect(s.timesteps_used).toBe(summary.model.timesteps);
  });
  const power = out.byTopic.get(REPLAY_TOPICS.power)!.decoded as PowerEstimate[];
  for (const p of power) {
    expect(p.energy_per_frame).toBeGreaterThan(0);
    expect(p.synaptic_ops).toBeGreaterThan(0n);
  }
  // Histogram from the results agrees with the summary.
  const hist: Record<string, number> = Object.fromEntries(summary.model.labels.map((l) => [l, 0]));
  for (const s of spikes) hist[s.class_name] += 1;
  expect(summary.classHistogram).toEqual(hist);

  const labelInfo = out.byTopic.get(REPLAY_TOPICS.labelInfo)!;
  const info = labelInfo.decoded[0] as LabelInfo;
  expect(info.class_map).toEqual(
    summary.model.labels.map((class_name, class_id) => ({ class_id, class_name })),
  );
  expect(labelInfo.messages[0].logTime).toBe(source[0].logTime);
  // Label info comes first, then each frame's image followed by its results.
  expect(out.messages[0].topic).toBe(REPLAY_TOPICS.labelInfo);
  return { out, classifications, spikes, power };
}

describe("replaying the shipped sample bag", () => {
  it("classifies the first frames, writes images and results stamped with their source headers", async () => {
    const outDir = join(tempDir(), "sample-out");
    const seen: number[] = [];
    const summary = await replayBag({
      bag: SAMPLE_BAG,
      model: FIXTURE_MODEL,
      out: outDir,
      limit: 12,
      onFrame: (f) => seen.push(f.index),
    });
    expect(seen).toEqual([...Array(12).keys()]);
    expect(summary).toMatchObject({
      topic: "/camera/image_raw",
      type: "sensor_msgs/msg/Image",
      storage: "mcap",
      frames: 12,
      classified: 12,
      errors: 0,
      dropped: 0,
      errorsByReason: {},
      rate: null,
      interrupted: false,
      problems: [],
    });
    expect(summary.model).toMatchObject({
      name: "golden-dense",
      labels: GOLDEN_LABELS,
      presentation: "reset",
    });
    expect(summary.latencyMs!.p99).toBeGreaterThanOrEqual(summary.latencyMs!.mean);
    expect(summary.latencyMs!.max).toBeGreaterThanOrEqual(summary.latencyMs!.p99);
    expect(summary.processingMs!.mean).toBeLessThanOrEqual(summary.latencyMs!.mean);
    expect(summary.energy!.unit).toBe("J");
    expect(summary.energy!.perFrame).toBeGreaterThan(0);
    expect(summary.recordedSeconds).toBeCloseTo(11 / 30, 6);
    // labels.json inside the bag directory gives the true classes.
    const truth = JSON.parse(readFileSync(join(SAMPLE_BAG, "labels.json"), "utf8"))
      .labels as number[];
    const { spikes } = await checkOutput(summary, "/camera/image_raw", "sensor_msgs/msg/Image", 12);
    const correct = spikes.filter((s, i) => s.class_id === truth[i]).length;
    expect(summary.accuracy).toMatchObject({
      labelsFile: join(SAMPLE_BAG, "labels.json"),
      labelled: 12,
      correct,
      accuracy: correct / 12,
    });
    // The confusion matrix holds every labelled frame once: row = true, column = predicted.
    const confusion = summary.accuracy!.confusion;
    const expected = summary.model.labels.map(() => summary.model.labels.map(() => 0));
    spikes.forEach((s, i) => (expected[truth[i]][s.class_id] += 1));
    expect(confusion).toEqual(expected);
    expect(summary.accuracy!.perClass.map((c) => c.correct)).toEqual(
      expected.map((row, i) => row[i]),
    );
    expect(summary.output.file).toBe(join(outDir, "sample-out_0.mcap"));
    expect(summary.output.metadataFile).toBe(join(outDir, "metadata.yaml"));
    expect(summary.output.messageCount).toBe(1 + 12 * 4);
  });

  it("is deterministic: the same classifications, scores and spike counts on a second run", async () => {
    const dir = tempDir();
    const runs = [];
    for (const name of ["a", "b"]) {
      const s = await replayBag({
        bag: SAMPLE_BAG,
        model: FIXTURE_MODEL,
        out: join(dir, name),
        limit: 4,
      });
      const out = await readBack(s.output.path);
      runs.push({
        classification: out.byTopic.get(REPLAY_TOPICS.classification)!.messages.map((m) => m.data),
        spikes: (
          out.byTopic.get(REPLAY_TOPICS.spikeClassification)!.decoded as SpikeClassification[]
        ).map((m) => [m.class_id, Array.from(m.scores), Array.from(m.output_spike_counts)]),
        synops: (out.byTopic.get(REPLAY_TOPICS.power)!.decoded as PowerEstimate[]).map(
          (p) => p.synaptic_ops,
        ),
      });
    }
    expect(runs[1]).toEqual(runs[0]);
  });
});

describe("replaying bags another writer made (test/fixtures/bags)", () => {
  it("fm_mono8_20.mcap: raw mono8 frames, accuracy from its .labels.json", async () => {
    const s = await replayBag({
      bag: fixtureBag("fm_mono8_20.mcap"),
      model: FIXTURE_MODEL,
      out: join(tempDir(), "mono8"),
    });
    expect(s).toMatchObject({ frames: 20, classified: 20, errors: 0, dropped: 0 });
    expect(s.accuracy).toMatchObject({
      labelsFile: fixtureBag("fm_mono8_20.mcap.labels.json"),
      labelled: 20,
    });
    await checkOutput(s, "/camera/image_raw", "sensor_msgs/msg/Image", 20);
  });

  it("fm_png_10.mcap: PNG CompressedImage frames, top-k hypotheses", async () => {
    const s = await replayBag({
      bag: fixtureBag("fm_png_10.mcap"),
      model: FIXTURE_MODEL,
      out: join(tempDir(), "png"),
      topK: 3,
    });
    expect(s).toMatchObject({
      type: "sensor_msgs/msg/CompressedImage",
      frames: 10,
      classified: 10,
      errors: 0,
    });
    expect(s.accuracy!.labelled).toBe(10);
    const out = await readBack(s.output.path);
    const cls = out.byTopic.get(REPLAY_TOPICS.classification)!.decoded as Classification[];
    expect(cls.map((c) => c.results.length)).toEqual(Array(10).fill(3));
    const spikes = out.byTopic.get(REPLAY_TOPICS.spikeClassification)!
      .decoded as SpikeClassification[];
    cls.forEach((c, i) => {
      expect(c.results[0].class_id).toBe(String(spikes[i].class_id));
      const sorted = Array.from(spikes[i].scores).sort((a, b) => b - a);
      expect(c.results.map((r) => r.score)).toEqual(sorted.slice(0, 3));
    });
    const img = out.byTopic.get("/camera/image_raw/compressed")!.decoded[0] as CompressedImage;
    expect(img.format).toMatch(/png/);
  });
});

const T0 = 1_700_000_000_000_000_000n;
const PERIOD = 100_000_000n;

/** A mono8 28×28 image message (a bright square) stamped at frame i. */
function goodImage(i: number, overrides: Partial<RawImage> = {}): Uint8Array {
  const data = new Uint8Array(28 * 28);
  for (let y = 8 + (i % 4); y < 20; y++)
    for (let x = 6; x < 22 - (i % 3); x++) data[y * 28 + x] = 220;
  return codecFor("sensor_msgs/msg/Image").encode({
    header: { stamp: { sec: 1_700_000_000, nanosec: i * 100_000_000 }, frame_id: "cam" },
    height: 28,
    width: 28,
    encoding: "mono8",
    is_bigendian: 0,
    step: 28,
    data,
    ...overrides,
  });
}

async function writeBag(
  path: string,
  topics: { name: string; type: string }[],
  frames: { topic: string; data: Uint8Array }[],
): Promise<void> {
  const w = await McapBagWriter.create(path, { chunkSize: 4096 });
  for (const t of topics) await w.addTopic(t);
  let i = 0;
  for (const f of frames) await w.write(f.topic, f.data, T0 + BigInt(i++) * PERIOD);
  await w.close();
}

describe("bags with bad frames", () => {
  it("raw frames of wrong size, unknown encoding or undecodable CDR are counted by reason; the others classified", async () => {
    const dir = tempDir();
    const bag = join(dir, "bad-raw");
    const topic = "/camera/image_raw";
    const frames = [
      goodImage(0),
      goodImage(1, { data: new Uint8Array(100) }), // data_too_short
      goodImage(2),
      goodImage(3, { encoding: "yuv420_weird" }), // unsupported_encoding
      goodImage(4, { step: 10 }), // step_too_small
      Uint8Array.from([0, 1, 0, 0, 9, 9]), // not an Image in CDR
      goodImage(6),
      goodImage(7, { width: 0, height: 0, step: 0, data: new Uint8Array(0) }), // zero_size
      goodImage(8),
    ];
    await writeBag(
      bag,
      [{ name: topic, type: "sensor_msgs/msg/Image" }],
      frames.map((data) => ({ topic, data })),
    );
    const outcomes: string[] = [];
    const s = await replayBag({
      bag,
      model: FIXTURE_MODEL,
      out: join(dir, "out"),
      onFrame: (f) => outcomes.push(f.result ? "ok" : f.error!.reason),
    });
    expect(s).toMatchObject({ frames: 9, classified: 4, errors: 5, dropped: 0 });
    expect(s.errorsByReason).toEqual({
      data_too_short: 1,
      unsupported_encoding: 1,
      step_too_small: 1,
      deserialize_failed: 1,
      zero_size: 1,
    });
    expect(outcomes).toEqual([
      "ok",
      "data_too_short",
      "ok",
      "unsupported_encoding",
      "step_too_small",
      "deserialize_failed",
      "ok",
      "zero_size",
      "ok",
    ]);
    expect(s.errorExamples.unsupported_encoding).toMatch(/yuv420_weird/);
    expect(s.accuracy).toBeNull();
    const out = await readBack(s.output.path);
    // Every image is kept; results exist for the good ones, at their images' log times.
    expect(out.byTopic.get(topic)!.messages.length).toBe(9);
    expect(out.byTopic.get(REPLAY_TOPICS.classification)!.messages.map((m) => m.logTime)).toEqual(
      [0, 2, 6, 8].map((i) => T0 + BigInt(i) * PERIOD),
    );
  });

  it("a corrupt PNG among compressed frames is a decode_failed error, the rest classified", async () => {
    const dir = tempDir();
    const source = await imageMessages(fixtureBag("fm_png_10.mcap"));
    const codec = codecFor("sensor_msgs/msg/CompressedImage");
    const pngs = source.slice(0, 4).map((m) => codec.decode(m.data) as CompressedImage);
    const broken = { ...pngs[1], data: pngs[1].data.slice(0, 40) };
    const topic = "/camera/image_raw/compressed";
    const frames = [
      pngs[0],
      broken,
      pngs[2],
      { ...pngs[3], format: "16UC1; compressedDepth png" },
    ].map((m) => ({
      topic,
      data: codec.encode(m),
    }));
    const bag = join(dir, "bad-png.mcap");
    await writeBag(bag, [{ name: topic, type: "sensor_msgs/msg/CompressedImage" }], frames);
    const s = await replayBag({ bag, model: FIXTURE_MODEL, out: join(dir, "out") });
    expect(s).toMatchObject({ frames: 4, classified: 2, errors: 2, dropped: 0 });
    expect(Object.keys(s.errorsByReason).sort()).toEqual(["decode_failed", "unsupported_format"]);
  });
});

describe("choosing the topic and pacing", () => {
  it("several image topics need --topic; the error lists them; with it, only that topic is replayed", async () => {
    const dir = tempDir();
    const bag = join(dir, "two-cams");
    await writeBag(
      bag,
      [
        { name: "/left/image_raw", type: "sensor_msgs/msg/Image" },
        { name: "/right/image_raw", type: "sensor_msgs/msg/Image" },
      ],
      [0, 1, 2, 3].map((i) => ({
        topic: i % 2 ? "/right/image_raw" : "/left/image_raw",
        data: goodImage(i),
      })),
    );
    await expect(replayBag({ bag, model: FIXTURE_MODEL, out: join(dir, "x") })).rejects.toThrow(
      /has 2 image topics; choose one with --topic: \/left\/image_raw \(sensor_msgs\/msg\/Image, 2 messages\), \/right\/image_raw/,
    );
    await expect(
      replayBag({ bag, topic: "/nope", model: FIXTURE_MODEL, out: join(dir, "y") }),
    ).rejects.toThrow(/--topic \/nope: .* has no such topic; its topics are \/left\/image_raw/);
    const s = await replayBag({
      bag,
      topic: "/right/image_raw",
      model: FIXTURE_MODEL,
      out: join(dir, "z"),
    });
    expect(s).toMatchObject({ topic: "/right/image_raw", frames: 2, classified: 2 });
    const out = await readBack(s.output.path);
    expect([...out.byTopic.keys()]).not.toContain("/left/image_raw");
  });

  it("--rate paces frames at R× the recorded speed (never faster), as fast as possible without it", async () => {
    const dir = tempDir();
    const bag = join(dir, "paced");
    const topic = "/camera/image_raw";
    // 5 frames 100 ms apart: 0.4 s recorded; at 2× at least 0.2 s of wall time.
    await writeBag(
      bag,
      [{ name: topic, type: "sensor_msgs/msg/Image" }],
      [0, 1, 2, 3, 4].map((i) => ({ topic, data: goodImage(i) })),
    );
    const started: number[] = [];
    const t0 = performance.now();
    const s = await replayBag({
      bag,
      model: FIXTURE_MODEL,
      out: join(dir, "out"),
      rate: 2,
      onFrame: () => started.push(performance.now() - t0),
    });
    expect(s.rate).toBe(2);
    expect(s.recordedSeconds).toBeCloseTo(0.4, 9);
    expect(s.wallSeconds).toBeGreaterThanOrEqual(0.2);
    // the last frame cannot finish before its due time
    expect(started[4]).toBeGreaterThanOrEqual(200);
  });
});

describe("output bag and options", () => {
  it("refuses an existing output bag unless overwrite; invalid options name the option", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    await replayBag({ bag: fixtureBag("fm_png_10.mcap"), model: FIXTURE_MODEL, out, limit: 1 });
    await expect(
      replayBag({ bag: fixtureBag("fm_png_10.mcap"), model: FIXTURE_MODEL, out, limit: 1 }),
    ).rejects.toThrow(/already exists and is not empty/);
    const again = await replayBag({
      bag: fixtureBag("fm_png_10.mcap"),
      model: FIXTURE_MODEL,
      out,
      limit: 2,
      overwrite: true,
    });
    expect(again.frames).toBe(2);
    await expect(replayBag({ bag: SAMPLE_BAG, model: FIXTURE_MODEL, rate: -1 })).rejects.toThrow(
      /--rate -1/,
    );
    // 0 is no speed either (it used to mean "as fast as possible", which leaving --rate out says).
    await expect(replayBag({ bag: SAMPLE_BAG, model: FIXTURE_MODEL, rate: 0 })).rejects.toThrow(
      /--rate 0: give a speed factor > 0/,
    );
    await expect(
      replayBag({ bag: SAMPLE_BAG, model: FIXTURE_MODEL, timesteps: 0 }),
    ).rejects.toThrow(/--timesteps 0/);
    await expect(replayBag({ bag: SAMPLE_BAG, model: FIXTURE_MODEL, limit: 0 })).rejects.toThrow(
      /--limit 0/,
    );
    await expect(
      replayBag({ bag: SAMPLE_BAG, model: join(dir, "no-model"), out: join(dir, "m") }),
    ).rejects.toThrow(/model .*no-model not found: there is no .*model\.json; pass --model DIR/);
  });

  it("an explicit labels file for another topic is refused; stamps of results equal the source header stamps", async () => {
    const dir = tempDir();
    const labels = join(dir, "labels.json");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(labels, JSON.stringify({ topic: "/other", labels: [1, 2] }));
    await expect(
      replayBag({
        bag: fixtureBag("fm_mono8_20.mcap"),
        model: FIXTURE_MODEL,
        labels,
        out: join(dir, "o"),
      }),
    ).rejects.toThrow(/is for topic \/other, but \/camera\/image_raw is replayed/);
    writeFileSync(labels, JSON.stringify({ labels: [8, 6, 1, "x"] }));
    await expect(
      replayBag({
        bag: fixtureBag("fm_mono8_20.mcap"),
        model: FIXTURE_MODEL,
        labels,
        out: join(dir, "o"),
      }),
    ).rejects.toThrow(/labels\.3: /);
    writeFileSync(labels, JSON.stringify({ labels: [8, 6, 1] }));
    const s = await replayBag({
      bag: fixtureBag("fm_mono8_20.mcap"),
      model: FIXTURE_MODEL,
      labels,
      limit: 5,
      out: join(dir, "p"),
    });
    expect(s.accuracy!.labelled).toBe(3);
    const out = await readBack(s.output.path);
    const power = out.byTopic.get(REPLAY_TOPICS.power)!;
    power.decoded.forEach((p, i) => {
      expect(stampToNanoseconds((p as PowerEstimate).header.stamp)).toBe(
        stampToNanoseconds(
          (out.byTopic.get("/camera/image_raw")!.decoded[i] as RawImage).header.stamp,
        ),
      );
    });
  });
});

describe("stopping early", () => {
  it("an aborted replay finishes the frames it accepted and leaves a complete output bag", async () => {
    const abort = new AbortController();
    const s = await replayBag({
      bag: fixtureBag("fm_mono8_20.mcap"),
      model: FIXTURE_MODEL,
      out: join(tempDir(), "stopped"),
      signal: abort.signal,
      onFrame: (f) => {
        if (f.index === 2) abort.abort();
      },
    });
    expect(s.interrupted).toBe(true);
    expect(s.frames).toBeGreaterThanOrEqual(3);
    expect(s.frames).toBeLessThan(20);
    expect(s).toMatchObject({ classified: s.frames, dropped: 0, errors: 0 });
    const out = await readBack(s.output.path);
    expect(out.byTopic.get("/camera/image_raw")!.messages).toHaveLength(s.frames);
    expect(out.byTopic.get(REPLAY_TOPICS.power)!.messages).toHaveLength(s.frames);
  });
});

describe("sqlite3 bags", () => {
  it("a Humble .db3 (no stored definitions) replays with the bundled Image definition", async () => {
    const { writeDb3 } = await import("../bag/helpers.js");
    const dir = tempDir();
    const db = join(dir, "humble.db3");
    const topic = "/camera/image_raw";
    await writeDb3(
      db,
      3,
      [{ name: topic, type: "sensor_msgs/msg/Image" }],
      [0, 1, 2].map((i) => ({ topic, timestamp: T0 + BigInt(i) * PERIOD, data: goodImage(i) })),
    );
    const s = await replayBag({ bag: db, model: FIXTURE_MODEL, out: join(dir, "out") });
    expect(s).toMatchObject({ storage: "sqlite3", frames: 3, classified: 3, errors: 0 });
    await checkOutput(s, topic, "sensor_msgs/msg/Image", 3);
  });
});
