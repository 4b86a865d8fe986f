/**
 * The streaming task end to end: a tiny srnn trained on moving clips (per-tick labels), exported
 * as a continuous stream model, evaluated per frame and per clip, and replayed from the sample
 * bag with its state carried across frames.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/index.js";
import { replayBag, type ReplayFrame } from "../../src/bag/replay/index.js";
import { createEncoder } from "../../src/encode/index.js";
import { ImagePreprocessor } from "../../src/image/index.js";
import type { RawImage } from "../../src/messages/index.js";
import { createNetwork } from "../../src/snn/create-network.js";
import { loadModel } from "../../src/snn/model-file.js";
import { initBackend } from "../../src/train/backend.js";
import { parseAnyTrainConfig } from "../../src/train/config.js";
import { evaluateMovingStream, formatMovingReport } from "../../src/train/moving-eval.js";
import type { SequenceTrainConfig } from "../../src/train/srnn/config.js";
import { readSequenceCardData, writeSequenceCard } from "../../src/train/srnn/card.js";
import { finishSequenceRun } from "../../src/train/srnn/finish.js";
import {
  configSequences,
  evaluateSequenceSet,
  trainSequence,
} from "../../src/train/srnn/train-sequence.js";
import { tempDir } from "../replay/helpers.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;
const CONFIGS = new URL("../../models/configs/", import.meta.url).pathname;
const BAG = new URL("../../samples/moving-fashion-camera", import.meta.url).pathname;
const FRAMES = 27; // the bag's first 3 clips

function tinyConfig(): SequenceTrainConfig {
  const text = readFileSync(join(CONFIGS, "moving-fashion-srnn.yaml"), "utf8");
  const shipped = parseAnyTrainConfig(text, "moving-fashion-srnn.yaml") as SequenceTrainConfig;
  return {
    ...shipped,
    name: "tiny-moving-srnn",
    dataset: { ...shipped.dataset, limit: 64, validation: 16, test_limit: 12, clips_per_sample: 1 },
    hidden: [12],
    training: { ...shipped.training, epochs: 1, batch_size: 16 },
  };
}

let dir: string;
let modelDir: string;
let trained: Awaited<ReturnType<typeof trainSequence>>;
const lines: string[] = [];

beforeAll(async () => {
  await initBackend("wasm");
  dir = tempDir("spikenode-moving-");
  modelDir = join(dir, "model");
  const config = tinyConfig();
  const result = (trained = await trainSequence({
    config,
    out: modelDir,
    resume: false,
    threads: 1,
    backend: "wasm",
    dataDir: FIXTURE,
    progress: false,
    log: (l) => lines.push(l),
  }));
  await finishSequenceRun({
    out: modelDir,
    config: result.config,
    plan: result.plan,
    params: result.params,
    history: result.history,
    dataDir: FIXTURE,
    log: (l) => lines.push(l),
  });
});

describe("moving-fashion-mnist stream model", () => {
  it("the shipped config parses; the dataset gives per-tick labels and the clips' frame shape", () => {
    const config = tinyConfig();
    expect(config.dataset.name).toBe("moving-fashion-mnist");
    const { set, imageShape, moving } = configSequences(config, "test", FIXTURE);
    expect([set.count, set.steps, set.inputSize, set.labelMode]).toEqual([12, 36, 1024, "step"]);
    expect(imageShape).toEqual([1, 32, 32]);
    expect(moving?.events.ticksPerFrame).toBe(4);
  });

  it("clips_per_sample: a sample is consecutive clips of the recording, back to back, labels too", () => {
    const config = tinyConfig();
    const one = configSequences(config, "test", FIXTURE).set;
    const three = configSequences(
      { ...config, dataset: { ...config.dataset, clips_per_sample: 3 } },
      "test",
      FIXTURE,
    ).set;
    expect([three.count, three.steps, three.inputSize]).toEqual([12, 108, 1024]);
    const size = 36 * 1024;
    const x = new Float32Array(3 * size);
    three.fill(2, x, 0);
    const y = new Int32Array(108);
    three.fillLabels(2, y, 0);
    for (let j = 0; j < 3; j++) {
      const clip = new Float32Array(size);
      one.fill(2 + j, clip, 0);
      expect(x.subarray(j * size, (j + 1) * size)).toEqual(clip);
      const labels = new Int32Array(36);
      one.fillLabels(2 + j, labels, 0);
      expect(y.subarray(j * 36, (j + 1) * 36)).toEqual(labels);
      expect(labels.slice(0, 4)).toEqual(Int32Array.from([-1, -1, -1, -1]));
    }
  });

  it("trains on per-tick labels and exports a continuous delta-encoder model, one decision per frame", async () => {
    const json = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8"));
    expect(json.input.shape).toEqual([1, 32, 32]);
    expect(json.input.encoder).toMatchObject({ type: "delta", threshold: 1, amplitude: 0.00025 });
    expect(json.presentation).toEqual({ mode: "continuous", timesteps: 4 });
    expect(json.readout).toEqual({ type: "membrane", window: { start: 0, end: 4 } });
    expect(json.labels).toEqual(["left", "right", "up", "down"]);
    expect(json.layers.map((l: { type: string }) => l.type)).toEqual([
      "flatten",
      "recurrent_dense",
      "dense",
    ]);
    const model = await loadModel(modelDir);
    expect(model.spec.provenance.dataset).toBe("moving-fashion-mnist");
    expect(lines.some((l) => /test accuracy .* on 12 sequences/.test(l))).toBe(true);
  });

  it("eval runs the test stream per frame in the model's continuous mode, scoring frames 1-8", async () => {
    const r = await evaluateMovingStream({ modelDir, limit: 8, dataDir: FIXTURE });
    expect([r.clips, r.framesPerClip, r.presentation, r.ticksPerFrame]).toEqual([
      8,
      9,
      "continuous",
      4,
    ]);
    expect(r.accuracyByFrame.length).toBe(9);
    const scored = r.accuracyByFrame.slice(1).reduce((a, b) => a + b, 0) / 8;
    expect(r.frameAccuracy).toBeCloseTo(scored, 12);
    expect(r.clipAccuracy).toBe(r.accuracyByFrame[8]);
    expect(r.synopsPerFrame).toBeGreaterThan(r.inputOpsPerFrame);
    expect(r.inputOpsPerFrame).toBeGreaterThan(0);
    expect(r.spikesPerNeuronPerStep).toBeGreaterThan(0);
    expect(r.annMacsPerFrame).toBe(1024 * 12 + 12 * 12 + 12 * 4);
    expect(r.rnnMacsPerFrame).toBe(4 * r.annMacsPerFrame);
    expect(formatMovingReport(r)).toMatch(/per frame: +\d+\.\d\d%/);
    // Reset presentation clears the network every frame: another simulation.
    const reset = await evaluateMovingStream({
      modelDir,
      limit: 8,
      dataDir: FIXTURE,
      presentation: "reset",
    });
    expect(reset.presentation).toBe("reset");
    expect(reset.spikesPerFrame).not.toBe(r.spikesPerFrame);
  });

  it("clip presentation (cleared at each clip start) is what TF.js trained on: the same firing rate", async () => {
    // Training clears the network per clip; the stream never does. Cleared per clip, the
    // engine must reproduce TF.js's own figures on the same clips (up to rare float32 spike flips).
    const test = configSequences(tinyConfig(), "test", FIXTURE).set;
    const tf = evaluateSequenceSet(trained.plan, trained.params, test);
    const clip = await evaluateMovingStream({
      modelDir,
      limit: test.count,
      dataDir: FIXTURE,
      presentation: "clip",
    });
    expect(clip.presentation).toBe("clip");
    expect(clip.spikesPerNeuronPerStep).toBeGreaterThan(0);
    expect(Math.abs(clip.spikesPerNeuronPerStep / tf.firingRate - 1)).toBeLessThan(0.02);
    const continuous = await evaluateMovingStream({
      modelDir,
      limit: test.count,
      dataDir: FIXTURE,
    });
    expect(continuous.spikesPerFrame).not.toBe(clip.spikesPerFrame);
  });

  it("the card counts event input as accumulates, per clip, and shows the engine's stream figures", async () => {
    const json = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8"));
    const prov = json.provenance;
    expect(prov.steps_per_sample).toBe(36);
    expect(prov.input_macs_per_sample).toBeUndefined();
    expect(prov.input_events_per_sample).toBeGreaterThan(0);
    expect(prov.input_acs_per_sample).toBeCloseTo(12 * prov.input_events_per_sample, 6);
    expect(prov.training.encoding).toEqual({
      type: "frames",
      encoder: "delta",
      ticks_per_frame: 4,
    });
    const stream = await evaluateMovingStream({ modelDir, limit: 6, dataDir: FIXTURE });
    writeFileSync(join(modelDir, "eval-test.json"), JSON.stringify(stream));
    const data = readSequenceCardData(modelDir);
    expect(data.shape.steps).toBe(36);
    expect(data.comparison.snn.parts.inputMacs).toBe(0);
    expect(data.comparison.snn.parts.inputAcs).toBe(prov.input_acs_per_sample);
    expect(data.streamEvals.map((e) => [e.presentation, e.clips])).toEqual([["continuous", 6]]);
    const card = readFileSync(writeSequenceCard(modelDir), "utf8");
    expect(card).toContain("event inputs");
    expect(card).toContain("input accumulates");
    expect(card).not.toContain("analog inputs");
    expect(card).toMatch(/continuous stream, 6 test clips\): per-frame accuracy/);
    expect(card).toContain("--presentation clip");
  });

  it("replay runs the model continuously (its own mode): frame by frame what the engine gives with state carried", async () => {
    const replay = async (presentation?: "reset" | "continuous") => {
      const frames: ReplayFrame[] = [];
      const summary = await replayBag({
        bag: BAG,
        model: modelDir,
        out: join(dir, `replay-${presentation ?? "model"}`),
        limit: FRAMES,
        presentation,
        onFrame: (f) => frames.push(f),
      });
      return { summary, frames };
    };
    const own = await replay();
    expect(own.summary.model.presentation).toBe("continuous");
    expect(own.summary.frames).toBe(FRAMES);
    expect(own.frames.every((f) => f.result?.timestepsUsed === 4)).toBe(true);

    // The same frames through the engine by hand, state carried from frame to frame.
    const model = await loadModel(modelDir);
    const net = createNetwork(model);
    const encoder = createEncoder(model.spec.input.encoder, model.inputShape, model.spec.dt);
    const pre = new ImagePreprocessor(model.spec.input);
    const bag = await openBag(BAG);
    const codec = bag.codecFor("/camera/image_raw");
    const want: { classId: number; synops: number }[] = [];
    for await (const m of bag.messages()) {
      if (want.length === FRAMES) break;
      const { scores, counters } = net.run(
        pre.fromRaw(codec.decode(m.data) as RawImage),
        4,
        encoder,
      );
      want.push({
        classId: scores.indexOf(Math.max(...scores)),
        synops: counters.total.synapticOps,
      });
    }
    await bag.close();
    expect(
      own.frames.map((f) => ({
        classId: f.result!.classId,
        synops: f.result!.counters.total.synapticOps,
      })),
    ).toEqual(want);

    // Forced reset: every frame from a cleared network, which changes what the frames cost.
    const reset = await replay("reset");
    expect(reset.summary.model.presentation).toBe("reset");
    const synops = (fs: ReplayFrame[]) => fs.map((f) => f.result!.counters.total.synapticOps);
    expect(synops(reset.frames)).not.toEqual(synops(own.frames));
    expect(synops(reset.frames)[0]).toBe(synops(own.frames)[0]); // the first frame starts cleared in both
  });

  it("replay refuses an unknown presentation", async () => {
    await expect(
      replayBag({ bag: BAG, model: modelDir, presentation: "sometimes" as never }),
    ).rejects.toThrow(/--presentation sometimes: give reset or continuous/);
  });
});
