/**
 * The real pipeline: worker thread, tiny real model, real stages. Checks results against a
 * direct engine run, continuous state, bad frames, back-pressure and close().
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decoderForModel } from "../../src/decode/index.js";
import { ImagePreprocessor } from "../../src/image/index.js";
import { codecFor } from "../../src/messages/index.js";
import { createNetwork, loadModel, type Model } from "../../src/snn/index.js";
import { createPipeline } from "../../src/stream/pipeline.js";
import { SyntheticCamera } from "../../src/stream/synthetic-camera.js";
import { NOMINAL_FRAME_RATE } from "../../src/stream/types.js";
import type {
  ClassificationResult,
  FrameError,
  Pipeline,
  PipelineOptions,
  RawImage,
} from "../../src/stream/types.js";
import { TINY_LABELS, writeTinyModel, type TinyModel } from "./tiny-model.js";

let tiny: TinyModel;
let model: Model;

beforeAll(async () => {
  tiny = await writeTinyModel();
  model = await loadModel(tiny.dir);
});
afterAll(async () => {
  await tiny.cleanup();
});

function collect(p: Pipeline): { results: ClassificationResult[]; errors: FrameError[] } {
  const results: ClassificationResult[] = [];
  const errors: FrameError[] = [];
  p.results$.subscribe((r) => results.push(r));
  p.errors$.subscribe((e) => errors.push(e));
  return { results, errors };
}

function camera(encoding: "rgb8" | "mono8" = "rgb8"): SyntheticCamera {
  return new SyntheticCamera({ width: 40, height: 30, encoding, fps: 30, templates: 5 });
}

/** Push frames one at a time as the queue has room: nothing may be dropped. */
async function pushAll(p: Pipeline, frames: RawImage[]): Promise<void> {
  for (const f of frames) {
    await p.capacityAvailable();
    p.push({ kind: "image", message: f });
  }
}

async function run(
  options: Omit<PipelineOptions, "model">,
  frames: RawImage[],
): Promise<{ results: ClassificationResult[]; errors: FrameError[]; p: Pipeline }> {
  const p = createPipeline({ model: tiny.dir, ...options });
  const out = collect(p);
  await pushAll(p, frames);
  await p.close();
  return { ...out, p };
}

/** The same frame straight through the stages, without the pipeline. */
function direct(frames: RawImage[], mode: "reset" | "continuous", ticks: number[]) {
  const pre = new ImagePreprocessor(model.spec.input);
  const net = createNetwork(model);
  const decoder = decoderForModel(model.spec);
  const enc = model.spec.input.encoder;
  if (enc.type !== "constant") throw new Error("direct(): constant encoder only");
  return frames.map((f, i) => {
    const x = pre.fromRaw(f);
    // float64, as network.run computes gain*x + bias: the pipeline must agree with run() exactly.
    const current = Float64Array.from(x, (v) => enc.gain * v + enc.bias);
    if (mode === "reset") net.reset();
    else net.beginFrame();
    const counts = new Array<number>(model.outputSize).fill(0);
    for (let t = 0; t < ticks[i]; t++) {
      net.tick(current, true);
      net.spikes.forEach((s, j) => (counts[j] += s));
    }
    const raw = net.scores();
    if (mode === "reset") {
      const viaRun = createNetwork(model).run(x, ticks[i]).scores;
      expect(Array.from(viaRun)).toEqual(Array.from(raw));
    }
    const d = decoder.decode(raw, ticks[i]);
    return { counts, classId: d.classId, scores: d.scores, spikes: net.counters().total.spikes };
  });
}

describe("pipeline with the real worker", () => {
  it("reports what it loaded", async () => {
    const p = createPipeline({ model: tiny.dir });
    const info = await p.ready();
    expect(info).toMatchObject({
      modelName: "tiny-test",
      labels: TINY_LABELS,
      inputShape: [1, 8, 8],
      timesteps: 30,
      presentation: "reset",
      encoder: "constant",
    });
    await p.close();
  });

  it("in reset mode gives exactly what a direct engine run gives, frame by frame", async () => {
    const cam = camera();
    const frames = Array.from({ length: 6 }, (_, i) => cam.frame(i));
    const expected = direct(
      frames.map((f) => ({ ...f, data: f.data.slice() })),
      "reset",
      frames.map(() => 30),
    );
    const { results, errors, p } = await run({ queueCapacity: 2 }, frames);
    expect(errors).toEqual([]);
    expect(results.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    results.forEach((r, i) => {
      expect(r.outputSpikeCounts).toEqual(expected[i].counts);
      expect(r.classId).toBe(expected[i].classId);
      expect(r.className).toBe(TINY_LABELS[expected[i].classId]);
      expect(r.scores).toEqual(expected[i].scores);
      expect(r.counters.total.spikes).toBe(expected[i].spikes);
      expect(r.timestepsUsed).toBe(30);
      expect(r.header).toEqual(frames[i].header);
      expect(r.topK[0].classId).toBe(r.classId);
      expect(r.energy.synapticOps + (r.energy.inputMacs ?? 0)).toBe(r.counters.total.synapticOps);
      expect(r.energy.inputMacs).toBe(r.counters.layers[0].synapticOps);
      expect(r.energy.energyPerFrame).toBeGreaterThan(0);
    });
    // Power is energy per frame times the rate measured so far; nothing is measured at frame 0,
    // so it is taken at the nominal rate and says so.
    expect(results[0].powerRate).toEqual({ fps: NOMINAL_FRAME_RATE, source: "nominal" });
    expect(results[0].energy.power).toBeCloseTo(
      results[0].energy.energyPerFrame * NOMINAL_FRAME_RATE,
      12,
    );
    expect(results[5].powerRate?.source).toBe("measured");
    const fps = results[5].energy.power / results[5].energy.energyPerFrame;
    expect(fps).toBeCloseTo(results[5].powerRate!.fps, 6);
    expect(fps).toBeGreaterThan(0);
    // Different pictures are told apart (the test would be weak if every frame looked alike).
    expect(new Set(results.map((r) => r.outputSpikeCounts.join())).size).toBeGreaterThan(1);
    expect(p.stats()).toMatchObject({ received: 6, processed: 6, dropped: 0, errors: 0 });
  });

  it("takes the first frame's power at the configured frame rate, and says so", async () => {
    const cam = camera();
    const { results, errors } = await run({ frameRate: 12.5 }, [cam.frame(0), cam.frame(1)]);
    expect(errors).toEqual([]);
    expect(results[0].powerRate).toEqual({ fps: 12.5, source: "configured" });
    expect(results[0].energy.power).toBeCloseTo(results[0].energy.energyPerFrame * 12.5, 12);
    expect(results[1].powerRate?.source).toBe("measured");
  });

  it("is deterministic in reset mode: the same frame gives the same result in any order", async () => {
    const cam = camera();
    const a = cam.frame(0);
    const b = cam.frame(1);
    const copy = (f: RawImage) => ({ ...f, data: f.data.slice() });
    const { results } = await run({}, [copy(a), copy(b), copy(a)]);
    expect(results[2].outputSpikeCounts).toEqual(results[0].outputSpikeCounts);
    expect(results[2].scores).toEqual(results[0].scores);
  });

  it("in continuous mode carries state across frames and ticks by the stamp delta", async () => {
    const cam = camera();
    // 30 fps stamps: 33 ms apart -> 33 ticks after the first frame's nominal 30.
    const frames = Array.from({ length: 4 }, () => cam.frame(0));
    frames.forEach((f, i) => {
      f.header = { ...f.header, stamp: { sec: 100, nanosec: i * 33_000_000 } };
    });
    const ticks = [30, 33, 33, 33];
    const expected = direct(
      frames.map((f) => ({ ...f, data: f.data.slice() })),
      "continuous",
      ticks,
    );
    const { results, errors } = await run(
      { presentation: "continuous", continuous: { maxTicks: 50 } },
      frames,
    );
    expect(errors).toEqual([]);
    expect(results.map((r) => r.timestepsUsed)).toEqual(ticks);
    results.forEach((r, i) => expect(r.outputSpikeCounts).toEqual(expected[i].counts));
    // The same picture shown again from a warm state spikes differently than from rest.
    const fromRest = direct([{ ...frames[1], data: cam.frame(0).data }], "reset", [33])[0];
    expect(results[1].outputSpikeCounts).not.toEqual(fromRest.counts);
  });

  it("in continuous mode reads out every tick of a frame, whatever the window's start", async () => {
    const late = await writeTinyModel({ readout: { type: "spike_count", window: { start: 25 } } });
    try {
      const cam = camera();
      const frames = Array.from({ length: 3 }, (_, i) => {
        const f = cam.frame(i);
        f.header = { ...f.header, stamp: { sec: 7, nanosec: i * 10_000_000 } };
        return f;
      });
      const p = createPipeline({ model: late.dir, presentation: "continuous", queueCapacity: 4 });
      const { results } = collect(p);
      await pushAll(p, frames);
      await p.close();
      expect(results.map((r) => r.timestepsUsed)).toEqual([30, 10, 10]);
      for (const r of results.slice(1)) {
        expect(r.outputSpikeCounts.some((n) => n > 0)).toBe(true);
        // scores come from this frame's 10 ticks, not from an unreached window
        expect(new Set(r.scores).size).toBeGreaterThan(1);
      }
    } finally {
      await late.cleanup();
    }
  });

  it("runs per-tick encoders: Poisson is reproducible per frame in reset mode", async () => {
    const cam = camera();
    const f = cam.frame(2);
    const copy = () => ({ ...f, data: f.data.slice() });
    const { results, errors } = await run(
      { encoder: { type: "poisson", max_rate: 400, seed: 3 } },
      [copy(), copy()],
    );
    expect(errors).toEqual([]);
    expect(results[1].outputSpikeCounts).toEqual(results[0].outputSpikeCounts);
    expect(results[0].counters.total.spikes).toBeGreaterThan(0);
    expect(results[0].timings.encode).toBeGreaterThan(0);
    // Spiking input: no input multiply-accumulates are charged.
    expect(results[0].energy.inputMacs ?? 0).toBe(0);
  });

  it("runs the delta encoder on the change between successive frames", async () => {
    const cam = camera();
    const still = cam.frame(0);
    const { results } = await run({ encoder: { type: "delta", threshold: 0.05 } }, [
      { ...still, data: still.data.slice() },
      { ...still, data: still.data.slice() },
      cam.frame(2),
    ]);
    const input = (r: ClassificationResult) => r.counters.layers[0].synapticOps;
    // First frame primes the reference, the second is unchanged: no input events.
    expect(input(results[0])).toBe(0);
    expect(input(results[1])).toBe(0);
    expect(input(results[2])).toBeGreaterThan(0);
  });

  it("turns a corrupt frame into an error with its reason and classifies the next one", async () => {
    const cam = camera();
    const good = cam.frame(0);
    const short = { ...cam.frame(1), data: new Uint8Array(100) };
    const unknown = { ...cam.frame(2), encoding: "rgb9" };
    const p = createPipeline({ model: tiny.dir, queueCapacity: 8 });
    const { results, errors } = collect(p);
    p.push({ kind: "image", message: short });
    p.push({ kind: "image", message: unknown });
    p.push({ kind: "image", message: good });
    await p.close();
    expect(errors.map((e) => [e.seq, e.reason])).toEqual([
      [0, "data_too_short"],
      [1, "unsupported_encoding"],
    ]);
    expect(errors[0].message).toMatch(/frame 0 .*data has 100 bytes/);
    expect(errors[0].header).toEqual(short.header);
    expect(results.map((r) => r.seq)).toEqual([2]);
    expect(p.stats()).toMatchObject({
      received: 3,
      processed: 1,
      errors: 2,
      errorsByReason: { data_too_short: 1, unsupported_encoding: 1 },
    });
  });

  it("decodes serialized CDR frames with the deserializer it is given", async () => {
    const cam = camera("mono8");
    const image = cam.frame(3);
    const cdr = codecFor("sensor_msgs/msg/Image").encode(image);
    const expected = direct([cam.frame(3)], "reset", [30])[0];
    const p = createPipeline({
      model: tiny.dir,
      queueCapacity: 8,
      deserialize: (type, bytes) => codecFor(type).decode(bytes),
    });
    const { results, errors } = collect(p);
    // The serialized bytes are handed over (moved to the worker with the pixels in them).
    const first = cdr.slice();
    p.push({ kind: "serialized", type: "sensor_msgs/msg/Image", data: first });
    p.push({ kind: "serialized", type: "sensor_msgs/msg/Image", data: cdr.slice(0, 40) });
    p.push({ kind: "serialized", type: "sensor_msgs/msg/Image", data: cdr.slice() });
    await p.close();
    expect(first.byteLength).toBe(0);
    expect(results.map((r) => r.seq)).toEqual([0, 2]);
    expect(results[0].outputSpikeCounts).toEqual(expected.counts);
    expect(results[0].header).toEqual(image.header);
    expect(errors.map((e) => [e.seq, e.reason])).toEqual([[1, "deserialize_failed"]]);
  });

  it("refuses serialized frames when no deserializer was given", async () => {
    const p = createPipeline({ model: tiny.dir });
    const { errors } = collect(p);
    p.push({ kind: "serialized", type: "sensor_msgs/msg/Image", data: new Uint8Array(8) });
    await p.close();
    expect(errors.map((e) => e.reason)).toEqual(["no_deserializer"]);
  });

  it("lets the newest frame win under a burst, and accounts for every frame", async () => {
    const cam = camera();
    const p = createPipeline({ model: tiny.dir, queueCapacity: 1 });
    await p.ready();
    const { results } = collect(p);
    for (let i = 0; i < 40; i++) p.push({ kind: "image", message: cam.frame(i) });
    await p.close();
    const s = p.stats();
    expect(s.received).toBe(40);
    expect(s.processed + s.dropped + s.errors).toBe(40);
    expect(s.dropped).toBeGreaterThan(0);
    // The first frame went straight to the worker; the last one, being newest, always runs.
    expect(results[0].seq).toBe(0);
    expect(results[results.length - 1].seq).toBe(39);
    const seqs = results.map((r) => r.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it("close() finishes every accepted frame; close({ drain: false }) counts the waiting as dropped", async () => {
    const cam = camera();
    const drained = createPipeline({ model: tiny.dir, queueCapacity: 10 });
    const a = collect(drained);
    for (let i = 0; i < 10; i++) drained.push({ kind: "image", message: cam.frame(i) });
    await drained.close();
    expect(a.results.length).toBe(10);
    expect(drained.stats()).toMatchObject({ processed: 10, dropped: 0, waiting: 0, inFlight: 0 });

    const hasty = createPipeline({ model: tiny.dir, queueCapacity: 10 });
    await hasty.ready();
    collect(hasty);
    for (let i = 0; i < 10; i++) hasty.push({ kind: "image", message: cam.frame(i) });
    await hasty.close({ drain: false });
    const s = hasty.stats();
    expect(s.processed).toBeGreaterThanOrEqual(1);
    expect(s.processed + s.dropped).toBe(10);
    // A frame pushed after close is counted, not lost and not thrown on the caller.
    hasty.push({ kind: "image", message: cam.frame(0) });
    expect(hasty.stats()).toMatchObject({ received: 11, dropped: s.dropped + 1 });
  });

  it("close({ timeoutMs }) gives up on unfinished frames and counts them as dropped", async () => {
    const cam = camera();
    const p = createPipeline({ model: tiny.dir, queueCapacity: 5 });
    const { results } = collect(p);
    // Pushed while the worker is still loading the model, then closed at once.
    for (let i = 0; i < 5; i++) p.push({ kind: "image", message: cam.frame(i) });
    await p.close({ timeoutMs: 0 });
    expect(results).toEqual([]);
    expect(p.stats()).toMatchObject({
      received: 5,
      processed: 0,
      dropped: 5,
      waiting: 0,
      inFlight: 0,
    });
  });

  it("moves pixel buffers to the worker, or copies them when asked to", async () => {
    const cam = camera();
    const moved = cam.frame(0);
    const kept = cam.frame(1);
    const p1 = createPipeline({ model: tiny.dir });
    p1.push({ kind: "image", message: moved });
    await p1.close();
    expect(moved.data.byteLength).toBe(0);
    const p2 = createPipeline({ model: tiny.dir, transfer: false });
    p2.push({ kind: "image", message: kept });
    await p2.close();
    expect(kept.data.byteLength).toBe(40 * 30 * 3);
  });

  it("stops ticking early when the early-exit policy says so", async () => {
    const cam = camera();
    const frames = [cam.frame(0), cam.frame(1)];
    const full = await run(
      {},
      frames.map((f) => ({ ...f, data: f.data.slice() })),
    );
    const early = await run({ earlyExit: { margin: 1, holdTicks: 3, minTicks: 5 } }, frames);
    for (const r of early.results) {
      expect(r.timestepsUsed).toBeGreaterThanOrEqual(5);
      expect(r.timestepsUsed).toBeLessThanOrEqual(30);
      expect(r.counters.ticks).toBe(r.timestepsUsed);
    }
    const ticks = (x: { results: ClassificationResult[] }) =>
      x.results.reduce((n, r) => n + r.timestepsUsed, 0);
    expect(ticks(early)).toBeLessThan(ticks(full));
  });

  it("rejects ready() and fails frames with a reason when the model cannot be loaded", async () => {
    const p = createPipeline({ model: `${tiny.dir}-missing` });
    const { errors } = collect(p);
    await expect(p.ready()).rejects.toThrow(/model\.json.*no such file/);
    p.push({ kind: "image", message: camera().frame(0) });
    await p.close();
    expect(errors.map((e) => e.reason)).toEqual(["model_unavailable"]);
  });

  it("refuses bad options at once, naming them", () => {
    expect(() => createPipeline({ model: "" })).toThrow(/options\.model/);
    expect(() => createPipeline({ model: tiny.dir, queueCapacity: 0 })).toThrow(/queueCapacity/);
    expect(() => createPipeline({ model: tiny.dir, timesteps: 2.5 })).toThrow(/timesteps/);
    expect(() => createPipeline({ model: tiny.dir, dt: 0 })).toThrow(/dt must be a positive/);
  });

  it("runs the network at another dt when asked, and reports it", async () => {
    const frame = camera().frame(2);
    const at = async (dt?: number) =>
      (await run({ dt }, [{ ...frame, data: frame.data.slice() }])).results[0];
    const model = await at();
    const half = await at(model.counters.dt / 2);
    expect(half.counters.dt).toBe(model.counters.dt / 2);
    expect(half.timestepsUsed).toBe(model.timestepsUsed);
    // The same ticks in half the simulated time: fewer spikes, but the same network.
    expect(half.counters.total.spikes).toBeLessThan(model.counters.total.spikes);
    expect(half.counters.total.neuronUpdates).toBe(model.counters.total.neuronUpdates);
  });

  it("measures latency stage by stage", async () => {
    const { results } = await run({}, [camera().frame(0)]);
    const t = results[0].timings;
    const stages = t.queue + t.decode + t.preprocess + t.encode + t.engine + t.readout + t.power;
    expect(t.total).toBeGreaterThan(0);
    expect(stages).toBeCloseTo(t.total, 6);
    expect(t.engine).toBeGreaterThan(0);
  });
});
