/**
 * `eval --dataset nmnist`: an N-MNIST-layout folder written here record by record (the 5-byte
 * layout of test/events/nmnist.test.ts), a hand-made events model whose decisions follow from
 * the events by hand, and a conv model checked against the reference engine fed frames binned
 * independently here (floor((t − t_first) / dt), no EventBinner).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/create-network.js";
import { parseModel, type Model } from "../../src/snn/index.js";
import { openNmnist } from "../../src/train/datasets/nmnist.js";
import { evaluateNmnist } from "../../src/train/nmnist-eval.js";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";
import { LIF, packModel, randomTensor, rng } from "../snn/helpers.js";

/** One 5-byte record: x, y, polarity bit 7 of byte 2 over timestamp bits 16-22, then bits 0-15. */
function record(x: number, y: number, p: number, tUs: number): number[] {
  return [x, y, (p << 7) | ((tUs >>> 16) & 0x7f), (tUs >>> 8) & 0xff, tUs & 0xff];
}

type Ev = [x: number, y: number, p: number, tUs: number];
const bin = (events: Ev[]) => new Uint8Array(events.flatMap((e) => record(...e)));

/** ON events at (x, 0), one per listed ms after a first event at 100 µs. */
const onAt = (x: number, ms: number[]): Ev[] => ms.map((m) => [x, 0, 1, 100 + m * 1000]);

/**
 * Five recordings. With the hand model (neuron c counts the ticks with an ON event at (c, 0)),
 * the decisions are 0, 1, 5 (wrong), 7, 3; T = 20 so events at 20 ms and later are not presented.
 */
const RECORDINGS: { digit: number; id: number; events: Ev[] }[] = [
  // 3 ticks for class 0; OFF events elsewhere, which no weight reads.
  { digit: 0, id: 1, events: [...onAt(0, [0, 1, 2]), [9, 9, 0, 1500], [20, 30, 0, 2500]] },
  { digit: 1, id: 1, events: [...onAt(1, [0, 3]), ...onAt(4, [5])] },
  // A 3 that looks like a 5: 4 ticks for 5, 1 for 3.
  { digit: 3, id: 2, events: [...onAt(5, [0, 1, 2, 3]), ...onAt(3, [4])] },
  // Two events in tick 0 are one spike; 19.9 ms is tick 19, the last presented; 20 ms is past T.
  {
    digit: 7,
    id: 1,
    events: [[7, 0, 1, 100], [7, 0, 1, 600], [7, 0, 1, 100 + 19_900], ...onAt(7, [20])],
  },
  // Class 5 fires once more than 3, but only at 25 ms, past the presentation.
  { digit: 3, id: 10, events: [...onAt(3, [0, 2]), ...onAt(5, [1, 25, 26, 27])] },
];

function writeDataset(root: string): void {
  for (const r of RECORDINGS) {
    const dir = join(root, "Test", String(r.digit));
    mkdirSync(dir, { recursive: true });
    // In time order, as the sensor writes them (the binner drops an event older than its tick).
    writeFileSync(join(dir, `${r.id}.bin`), bin([...r.events].sort((a, b) => a[3] - b[3])));
  }
  mkdirSync(join(root, "Train", "0"), { recursive: true });
  writeFileSync(join(root, "Train", "0", "5.bin"), bin(onAt(0, [0])));
}

/** flatten → dense 10 of IF (threshold 0.5): neuron c reads the ON pixel (c, 0) with weight 1. */
function handModel(dir: string): string {
  const weights = new Float32Array(10 * 2 * 34 * 34);
  for (let c = 0; c < 10; c++) weights[c * 2312 + 34 * 34 + c] = 1;
  const { json, bytes } = packModel({
    inputShape: [2, 34, 34],
    encoder: { type: "events" },
    timesteps: 20,
    layers: [
      { type: "flatten" },
      {
        type: "dense",
        weights: { shape: [10, 2312], data: weights },
        neuron: { model: "if", v_threshold: 0.5 },
      },
    ],
  });
  return saveModel(dir, json, bytes);
}

function saveModel(dir: string, json: Record<string, unknown>, bytes: Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.json"), JSON.stringify(json));
  writeFileSync(join(dir, "weights.bin"), bytes);
  return dir;
}

/** conv 4@3×3 (IF) → avgpool 2 → dense 10 (IF) on a [2, 14, 14] input read from `roi` at downsample 2. */
function convModel(dir: string, rand: () => number, roi: object, timesteps: number) {
  const { json, bytes } = packModel({
    inputShape: [2, 14, 14],
    encoder: { type: "events", roi, downsample: 2 },
    timesteps,
    readout: { type: "spike_count", window: { start: 5 } },
    layers: [
      {
        type: "conv2d",
        weights: randomTensor([4, 2, 3, 3], rand, 1.5, 0.3),
        neuron: { model: "if", v_threshold: 0.8 },
      },
      { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
      { type: "flatten" },
      {
        type: "dense",
        weights: randomTensor([10, 4 * 6 * 6], rand, 0.6, 0.1),
        neuron: { model: "if", v_threshold: 1 },
      },
    ],
  });
  return { dir: saveModel(dir, json, bytes), model: parseModel(json, bytes, "conv") };
}

/**
 * Frames by hand: floor((t − t_first) / 1 ms), the 28×28 ROI at (2, 1) halved, `ticks` of them;
 * then the reference engine's decision and spike count.
 */
function referenceRun(model: Model, events: Ev[], ticks: number) {
  const net = createNetwork(model, { engine: "reference" });
  const frames = Array.from({ length: ticks }, () => new Float32Array(2 * 14 * 14));
  const t0 = events[0][3];
  let presented = 0;
  for (const [x, y, p, t] of events) {
    const k = Math.floor((t - t0) / 1000);
    const cx = x - 2;
    const cy = y - 1;
    if (k >= ticks || cx < 0 || cy < 0 || cx >= 28 || cy >= 28) continue;
    frames[k][p * 196 + (cy >> 1) * 14 + (cx >> 1)] += 1;
    presented++;
  }
  net.reset();
  for (const f of frames) net.tick(f);
  const s = net.scores();
  let best = 0;
  for (let c = 1; c < 10; c++) if (s[c] > s[best]) best = c;
  return { best, spikes: net.counters().total.spikes, presented };
}

const root = tempDir("spikenode-nmnist-");
writeDataset(join(root, "N-MNIST"));
const data = join(root, "N-MNIST");
const hand = handModel(join(root, "hand"));

describe("N-MNIST folders", () => {
  it("lists Test/<digit>/<id>.bin interleaved by digit, ids in numeric order", () => {
    const set = openNmnist(data, "test");
    expect(set.samples.map((s) => [s.label, s.file.slice(data.length)])).toEqual([
      [0, "/Test/0/1.bin"],
      [1, "/Test/1/1.bin"],
      [3, "/Test/3/2.bin"],
      [7, "/Test/7/1.bin"],
      [3, "/Test/3/10.bin"],
    ]);
    expect(openNmnist(join(data, "Test"), "test").samples).toHaveLength(5);
    expect(openNmnist(join(data, "Test", "3"), "test").samples.map((s) => s.label)).toEqual([3, 3]);
    expect(openNmnist(data, "train").samples).toHaveLength(1);
    expect(openNmnist(join(data, "Test/7/1.bin"), "test", 7).samples).toEqual([
      { file: join(data, "Test/7/1.bin"), label: 7 },
    ]);
  });

  it("names the path and the fix for a missing or empty folder, a lone .bin without --label, and corrupt files", async () => {
    expect(() => openNmnist(join(root, "nowhere"), "test")).toThrow(
      /N-MNIST data .*nowhere: no such file or folder; pass the N-MNIST folder as it unzips/,
    );
    const empty = join(root, "empty");
    mkdirSync(join(empty, "Test"), { recursive: true });
    expect(() => openNmnist(empty, "test")).toThrow(
      /N-MNIST data .*empty: no \.bin recordings found \(looked for Test\/<digit>\/\*\.bin/,
    );
    expect(() => openNmnist(join(data, "Test/0/1.bin"), "test")).toThrow(/add --label <0-9>/);
    expect(() => openNmnist(data, "test", 3)).toThrow(/--label applies to a single \.bin file/);
    const bad = join(root, "bad");
    mkdirSync(join(bad, "Test", "4"), { recursive: true });
    const cut = join(bad, "Test", "4", "1.bin");
    writeFileSync(cut, bin(onAt(4, [0, 1])).subarray(0, 8));
    const set = openNmnist(bad, "test");
    expect(() => set.read(0)).toThrow(
      /N-MNIST file .*4\/1\.bin: 8 bytes is not a whole number of 5-byte events.*re-extract it/,
    );
    writeFileSync(cut, bin([[40, 2, 1, 0]]));
    expect(() => set.read(0)).toThrow(/1 event\(s\) address pixels outside the 34×34 sensor/);
    writeFileSync(cut, new Uint8Array(0));
    expect(() => set.read(0)).toThrow(/4\/1\.bin: is empty/);
    // From a worker thread, the same message, still user-facing.
    mkdirSync(join(bad, "Test", "5"), { recursive: true });
    writeFileSync(join(bad, "Test", "5", "1.bin"), bin(onAt(5, [0])));
    const failed = await evaluateNmnist({
      modelDir: hand,
      data: bad,
      split: "test",
      threads: 2,
    }).catch((e: Error & { userFacing?: boolean }) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/4\/1\.bin: is empty; re-extract it/);
    expect((failed as { userFacing?: boolean }).userFacing).toBe(true);
  });
});

describe("evaluateNmnist", () => {
  it("bins 1 ms frames from each recording's first event, one per tick, and scores them by hand", async () => {
    const r = await evaluateNmnist({ modelDir: hand, data, split: "test" });
    expect(r.samples).toBe(5);
    expect(r.accuracy).toBe(4 / 5);
    const want = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    want[0][0] = want[1][1] = want[3][5] = want[7][7] = want[3][3] = 1;
    expect(r.confusion).toEqual(want);
    expect(r.perClass[3]).toEqual({
      class: "c3",
      labelled: 2,
      correct: 1,
      accuracy: 0.5,
      predicted: 1,
    });
    expect(r.perClass[5]).toMatchObject({ labelled: 0, accuracy: null, predicted: 1 });
    // Spikes: 3 + (2 + 1) + (4 + 1) + 2 + (2 + 1) = 16 over 5 recordings.
    expect(r.spiking.spikesPerImage).toBe(16 / 5);
    // Events 5 + 3 + 5 + 4 + 6 = 23; past tick 20: the 7's one, the second 3's three.
    expect(r.events.perSample).toBe(23 / 5);
    expect(r.events.pastPresentationPerSample).toBe(4 / 5);
    expect(r.events.presentedPerSample).toBe(19 / 5);
    expect(r.events.cutSamples).toBe(2);
    expect(r.events.latePerSample).toBe(0);
    expect(r.events.maxFrames).toBe(28);
    expect(r.binning).toMatchObject({
      frameSeconds: 0.001,
      roi: { x: 0, y: 0, width: 34, height: 34 },
      input: [2, 34, 34],
    });
    // Each presented event drives 10 accumulates (one dense row per input, counts ≤ 1 here
    // except the 7's tick 0, one input of count 2: still 10 operations).
    expect(r.spiking.inputOpsPerImage).toBe((10 * (19 - 1)) / 5);
    expect(r.energy.analogInput).toBe(false);
    expect(r.energy.profiles.length).toBeGreaterThan(0);
    for (const p of r.energy.profiles) expect(p.comparison).toMatch(/less|more|same/);
    // The same sums in one thread as over worker threads.
    const one = await evaluateNmnist({ modelDir: hand, data, split: "test", threads: 1 });
    const three = await evaluateNmnist({ modelDir: hand, data, split: "test", threads: 3 });
    expect([one.threads, three.threads]).toEqual([1, 3]);
    const sums = (x: typeof r) => ({ ...x, seconds: 0, threads: 0 });
    expect(sums(three)).toEqual(sums(one));
    expect(sums(one)).toEqual(sums(r));
    const four = await evaluateNmnist({ modelDir: hand, data, split: "test", limit: 4 });
    expect([four.samples, four.accuracy]).toEqual([4, 3 / 4]);
  });

  it("agrees with the reference engine on frames binned independently (conv, roi, downsample 2)", async () => {
    const rand = rng(11);
    const roi = { x: 2, y: 1, width: 28, height: 28 };
    const { dir, model } = convModel(join(root, "conv"), rand, roi, 30);
    // Random recordings: 400 events over ~40 ms, sorted in time.
    const conv = join(root, "conv-data");
    const recs: { label: number; events: Ev[] }[] = [];
    for (let i = 0; i < 6; i++) {
      const events: Ev[] = Array.from({ length: 400 }, () => [
        Math.floor(rand() * 34),
        Math.floor(rand() * 34),
        rand() < 0.5 ? 1 : 0,
        5000 + Math.floor(rand() * 40_000),
      ]);
      events.sort((a, b) => a[3] - b[3]);
      const label = i % 3;
      mkdirSync(join(conv, "Test", String(label)), { recursive: true });
      writeFileSync(join(conv, "Test", String(label), `${i}.bin`), bin(events));
      recs.push({ label, events });
    }
    const r = await evaluateNmnist({ modelDir: dir, data: conv, split: "test" });
    // Reference: frames binned by hand, in the order the folder lists the recordings.
    const order = openNmnist(conv, "test").samples.map((s) =>
      Number(s.file.replace(/.*\/(\d+)\.bin$/, "$1")),
    );
    let right = 0;
    let spikes = 0;
    for (const i of order) {
      const ref = referenceRun(model, recs[i].events, 30);
      if (ref.best === recs[i].label) right++;
      spikes += ref.spikes;
    }
    expect(r.accuracy).toBe(right / 6);
    expect(r.spiking.spikesPerImage).toBeCloseTo(spikes / 6, 9);
    expect(r.spiking.spikesPerImage).toBeGreaterThan(0);
    expect(r.binning.roi).toEqual(roi);
  });

  it("refuses a frame-encoder model, naming it and the fix", async () => {
    const { json, bytes } = packModel({
      inputShape: [2, 34, 34],
      layers: [
        { type: "flatten" },
        { type: "dense", weights: randomTensor([10, 2312], rng(1)), neuron: LIF },
      ],
    });
    const dir = saveModel(join(root, "frames"), json, bytes);
    await expect(evaluateNmnist({ modelDir: dir, data, split: "test" })).rejects.toThrow(
      /input\.encoder is "constant".*input\.encoder is "events"/,
    );
  });
});

describe("tonic's real N-MNIST recording (test/fixtures/nmnist)", () => {
  it("bins its 4 325 events into 311 frames and agrees with the reference engine", async () => {
    const file = new URL("../fixtures/nmnist/sample_nmnist.bin", import.meta.url).pathname;
    const raw = readFileSync(file);
    const events: Ev[] = [];
    for (let o = 0; o < raw.length; o += 5)
      events.push([
        raw[o],
        raw[o + 1],
        raw[o + 2] >> 7,
        ((raw[o + 2] & 0x7f) << 16) | (raw[o + 3] << 8) | raw[o + 4],
      ]);
    const frames = Math.floor((events[events.length - 1][3] - events[0][3]) / 1000) + 1;
    expect([events.length, frames]).toEqual([4325, 311]);
    const { dir, model } = convModel(
      join(root, "conv-real"),
      rng(5),
      { x: 2, y: 1, width: 28, height: 28 },
      300,
    );
    const r = await evaluateNmnist({ modelDir: dir, data: file, label: 4, split: "test" });
    const ref = referenceRun(model, events, 300);
    expect(r.events.perSample).toBe(4325);
    expect(r.events.framesPerSample).toBe(311);
    expect(r.events.cutSamples).toBe(1);
    expect(r.events.presentedPerSample).toBe(ref.presented);
    expect(r.events.outsideRoiPerSample + r.events.pastPresentationPerSample).toBe(
      4325 - ref.presented,
    );
    expect(r.spiking.spikesPerImage).toBe(ref.spikes);
    expect(r.spiking.spikesPerImage).toBeGreaterThan(0);
    expect(r.confusion[4][ref.best]).toBe(1);
  });
});

describe("spikenode eval --dataset nmnist", () => {
  it("prints accuracy, per class, the confusion matrix and energy in words; JSON and SVG on request", () => {
    const plot = join(root, "confusion.svg");
    const out = join(root, "report.json");
    const r = runCli([
      "eval",
      "--model",
      hand,
      "--dataset",
      "nmnist",
      "--data",
      data,
      "--plot",
      plot,
      "--out",
      out,
      "--no-progress",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/accuracy: +80\.00%/);
    expect(r.stdout).toMatch(
      /per class: +c0 100\.0% \(1\/1\), c1 100\.0% \(1\/1\), c3 50\.0% \(1\/2\)/,
    );
    expect(r.stdout).toMatch(/confusion matrix \(rows: true class, columns: predicted class\)/);
    expect(r.stdout).toMatch(/\n +c3 +0 +0 +0 +1 +0 +1 +0 +0 +0 +0\n/);
    expect(r.stdout).toMatch(/1 ms frames counted from each recording's first event/);
    expect(r.stdout).toMatch(/energy per recording/);
    expect(r.stdout).toMatch(/cmos45[^\n]*(less|more)/);
    expect(readFileSync(plot, "utf8")).toMatch(/^<svg[^]*N-MNIST test: 80\.0 % of 5 recordings/);
    expect(JSON.parse(readFileSync(out, "utf8")).accuracy).toBe(0.8);
    const one = runCli([
      "eval",
      "--model",
      hand,
      "--dataset",
      "nmnist",
      "--data",
      join(data, "Test/3/2.bin"),
      "--label",
      "3",
      "--json",
      "--no-progress",
    ]);
    expect(one.status, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).confusion[3][5]).toBe(1);
    const missing = runCli(["eval", "--model", hand, "--dataset", "nmnist", "--no-progress"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--dataset nmnist needs --data PATH/);
  }, 120_000);
});
