import { describe, expect, it } from "vitest";
import { DeltaEncoder } from "../../src/encode/delta.js";
import { Input, Presentation } from "../../src/snn/model-spec.js";
import { loadFashionMnist } from "../../src/train/datasets/fashion-mnist.js";
import {
  frameTensor,
  loadMovingFashion,
  MOVING_EVENT_DEFAULTS,
  movingFrameStream,
  movingModelSections,
  movingSequenceSet,
} from "../../src/train/datasets/moving-events.js";
import { MOVING_DEFAULTS } from "../../src/train/datasets/moving-fashion.js";
import type { SequenceSet } from "../../src/train/srnn/sequences.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;
const source = loadFashionMnist("test", FIXTURE);
const options = { ...MOVING_DEFAULTS, seed: 3 };
const E = MOVING_EVENT_DEFAULTS;

function handEncoder(): DeltaEncoder {
  const { threshold, amplitude, epsilon } = E.encoder;
  return new DeltaEncoder(32 * 32, E.dt, threshold, amplitude, epsilon);
}

/** Index of the first value whose bits differ, or −1 (fast where toEqual on a million values is not). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function samples(set: ReturnType<typeof movingSequenceSet>, count = set.count): Float32Array {
  const size = set.steps * set.inputSize;
  const out = new Float32Array(count * size);
  for (let i = 0; i < count; i++) set.fill(i, out, i * size);
  return out;
}

describe("moving Fashion-MNIST event sequences", () => {
  const set = movingSequenceSet(source, 24, options);

  it("is a SequenceSet the sequence trainer takes, with per-tick labels", () => {
    const trainable: SequenceSet = set;
    expect(trainable.labelMode).toBe("step");
  });

  it("has T = frames × ticks steps of canvas² inputs and four direction classes", () => {
    expect([set.steps, set.inputSize, set.labelMode]).toEqual([36, 1024, "step"]);
    expect(set.classes).toEqual(["left", "right", "up", "down"]);
  });

  /** The recording as the node makes it: one DeltaEncoder over every frame of every clip, in order. */
  function handStream(): Float32Array {
    const stream = movingFrameStream(set);
    const enc = handEncoder();
    const frame = new Uint8Array(1024);
    const tensor = new Float32Array(1024);
    const want = new Float32Array(stream.count * 4 * 1024);
    for (let i = 0; i < stream.count; i++) {
      enc.present(frameTensor(stream.render(i, frame), tensor));
      for (let k = 0; k < 4; k++) want.set(enc.tick(), (i * 4 + k) * 1024);
    }
    return want;
  }

  it("the samples back to back are the event stream of the clips recorded one after another", () => {
    const stream = movingFrameStream(set);
    expect(stream.count).toBe(216);
    expect(firstDifference(samples(set), handStream())).toBe(-1);
    expect(Array.from(stream.labels.subarray(0, 18))).toEqual([
      ...Array(9).fill(set.plan.clips[0].direction),
      ...Array(9).fill(set.plan.clips[1].direction),
    ]);
  });

  it("a sample is its clip's stretch of the stream in any order of access; events only on a frame's first tick", () => {
    const fresh = movingSequenceSet(source, 24, options);
    const want = handStream();
    const size = 36 * 1024;
    const got = new Float32Array(size);
    for (const i of [23, 0, 7, 1]) {
      got.fill(Number.NaN);
      fresh.fill(i, got, 0);
      expect(firstDifference(got, want.subarray(i * size, (i + 1) * size))).toBe(-1);
      for (let t = 0; t < 36; t++) {
        const tick = got.subarray(t * 1024, (t + 1) * 1024);
        // (A frame may fire nothing: a 1 px/frame drift cancelled by a −1 px jitter stands still.)
        if (t % 4 !== 0) expect(tick.every((v) => v === 0)).toBe(true);
      }
      // Clip 0 starts from a fresh encoder: its first frame only sets the references.
      if (i === 0) expect(got.subarray(0, 1024).every((v) => v === 0)).toBe(true);
      expect(got.some((v) => v !== 0)).toBe(true);
    }
  });

  it("labels every tick with the direction from frame scoreFromFrame on, −1 before", () => {
    const labels = new Int32Array(2 * 36);
    set.fillLabels(5, labels, 36);
    expect(Array.from(labels.subarray(0, 36))).toEqual(Array(36).fill(0));
    expect(Array.from(labels.subarray(36, 40))).toEqual([-1, -1, -1, -1]);
    expect(Array.from(labels.subarray(40))).toEqual(Array(32).fill(set.plan.clips[5].direction));
    const once = loadMovingFashion("test", { count: 8, labelMode: "sample" }, FIXTURE);
    const one = new Int32Array(2);
    once.fillLabels(5, one, 1);
    expect(Array.from(one)).toEqual([0, once.plan.clips[5].direction]);
    expect(once.labelMode).toBe("sample");
  });

  it("the events say which way the item moves: ON events lead, OFF events trail", () => {
    const size = set.steps * set.inputSize;
    const x = samples(set);
    const axis: [number, number][] = [
      [-1, 0],
      [1, 0],
      [0, -1],
      [0, 1],
    ];
    set.plan.clips.forEach((clip, i) => {
      // Σ current × position over the motion frames: ON (+) ahead of OFF (−) along the motion.
      let sx = 0;
      let sy = 0;
      for (let t = 4; t < 36; t++)
        for (let p = 0; p < 1024; p++) {
          const v = x[i * size + t * 1024 + p];
          sx += v * (p % 32);
          sy += v * Math.floor(p / 32);
        }
      const [vx, vy] = axis[clip.direction];
      expect(Math.sign(vx === 0 ? sy : sx)).toBe(vx === 0 ? vy : vx);
    });
  });

  it("needs integration over frames: a motion-energy readout of one frame's events is far from what all frames give", () => {
    // Hand-wired linear readout: Σ current × x and Σ current × y point along the motion (ON
    // events lead, OFF events trail); the larger one, by sign, names the direction.
    const many = movingSequenceSet(source, 200, options);
    const x = samples(many);
    const size = many.steps * 1024;
    const guess = (sx: number, sy: number) =>
      Math.abs(sx) >= Math.abs(sy) ? (sx < 0 ? 0 : 1) : sy < 0 ? 2 : 3;
    let single = 0;
    let integrated = 0;
    many.plan.clips.forEach((clip, i) => {
      let cx = 0;
      let cy = 0;
      for (let f = 1; f < 9; f++) {
        let sx = 0;
        let sy = 0;
        for (let p = 0; p < 1024; p++) {
          const v = x[i * size + f * 4 * 1024 + p];
          sx += v * (p % 32);
          sy += v * Math.floor(p / 32);
        }
        cx += sx;
        cy += sy;
        if (f === 4 && guess(sx, sy) === clip.direction) single++;
      }
      if (guess(cx, cy) === clip.direction) integrated++;
    });
    // Measured on the 1000 test clips: 65% from frame 4's events alone, 100% from frames 1–8.
    expect(single / 200).toBeLessThan(0.8);
    expect(single / 200).toBeGreaterThan(0.4);
    expect(integrated / 200).toBeGreaterThan(0.97);
  });

  it("event currents are O(1) with the default threshold and amplitude", () => {
    const x = samples(set);
    let active = 0;
    let sum = 0;
    let max = 0;
    for (const v of x)
      if (v !== 0) {
        active++;
        sum += Math.abs(v);
        max = Math.max(max, Math.abs(v));
      }
    expect(max).toBeLessThanOrEqual(1.5 + 1e-6);
    expect(sum / active).toBeGreaterThan(0.5);
    expect(sum / active).toBeLessThan(1.5);
  });

  it("loads from the IDX files with per-split seeds, and the model sections parse as a model file's", () => {
    const test = loadMovingFashion("test", { count: 8 }, FIXTURE);
    expect(test.name).toBe("moving-fashion-mnist/test");
    expect(test.plan.options.seed).toBe(2);
    expect(loadMovingFashion("test", { count: 8 }, FIXTURE).plan).toEqual(test.plan);
    const sections = movingModelSections(test.plan.options);
    expect(Input.parse(sections.input)).toEqual(sections.input);
    expect(Presentation.parse(sections.presentation)).toEqual({
      mode: "continuous",
      timesteps: 4,
    });
    expect(sections.dt).toBe(0.001);
  });
});
