import { describe, expect, it } from "vitest";
import { loadFashionMnist } from "../../src/train/datasets/fashion-mnist.js";
import {
  clipPosition,
  MOVING_DEFAULTS,
  MOVING_DIRECTIONS,
  MovingRenderer,
  placeClip,
  planMovingClips,
  type MovingOptions,
} from "../../src/train/datasets/moving-fashion.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;
const source = loadFashionMnist("test", FIXTURE);
const options: MovingOptions = { ...MOVING_DEFAULTS, seed: 7 };

/** Centre of mass of a canvas frame (pixel-weighted). */
function centre(frame: Uint8Array, side: number): [number, number] {
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const v = frame[y * side + x];
      m += v;
      mx += v * x;
      my += v * y;
    }
  return [mx / m, my / m];
}

describe("planMovingClips", () => {
  it("is a function of source, options and seed", () => {
    const a = planMovingClips(source, 80, options);
    expect(planMovingClips(source, 80, options)).toEqual(a);
    expect(planMovingClips(source, 80, { ...options, seed: 8 }).clips).not.toEqual(a.clips);
  });

  it("balances the directions, uses distinct items, and keeps every frame inside the canvas", () => {
    const plan = planMovingClips(source, 400, options);
    const perDirection = [0, 0, 0, 0];
    for (const c of plan.clips) perDirection[c.direction]++;
    expect(perDirection).toEqual([100, 100, 100, 100]);
    expect(new Set(plan.clips.map((c) => c.item)).size).toBe(400);
    const room = options.canvas - plan.itemSide;
    expect(plan.itemSide).toBe(14);
    const jitters = new Set<number>();
    for (const c of plan.clips) {
      c.jitter.forEach((v) => jitters.add(v));
      expect(c.itemClass).toBe(source.labels[c.item]);
      expect(options.speeds).toContain(c.speed);
      for (let f = 0; f < options.frames; f++) {
        const { x, y } = clipPosition(c, f);
        expect(Math.min(x, y)).toBeGreaterThanOrEqual(0);
        expect(Math.max(x, y)).toBeLessThanOrEqual(room);
      }
    }
    expect(new Set(plan.clips.map((c) => c.speed)).size).toBe(2);
    expect([...jitters].sort()).toEqual([-1, 0, 1]);
  });

  it("the item's centre of mass moves by the clip's speed in the labelled direction, plus its jitter", () => {
    const plan = planMovingClips(source, 60, options);
    const renderer = new MovingRenderer(source, plan);
    const frame = new Uint8Array(renderer.frameSize);
    const step: Record<string, [number, number]> = {
      left: [-1, 0],
      right: [1, 0],
      up: [0, -1],
      down: [0, 1],
    };
    plan.clips.forEach((clip, i) => {
      const [vx, vy] = step[MOVING_DIRECTIONS[clip.direction]];
      const j = clip.jitter;
      const first = centre(renderer.render(i, 0, frame), options.canvas);
      for (let f = 1; f < options.frames; f++) {
        const [cx, cy] = centre(renderer.render(i, f, frame), options.canvas);
        expect(cx - first[0]).toBeCloseTo(vx * clip.speed * f + j[2 * f] - j[0], 9);
        expect(cy - first[1]).toBeCloseTo(vy * clip.speed * f + j[2 * f + 1] - j[1], 9);
      }
    });
  });

  it("renders the source item shrunk by block means, black elsewhere", () => {
    const plan = planMovingClips(source, 3, options);
    const renderer = new MovingRenderer(source, plan);
    const frame = renderer.render(2, 4, new Uint8Array(renderer.frameSize));
    const clip = plan.clips[2];
    const { x, y } = clipPosition(clip, 4);
    const src = source.pixels.subarray(clip.item * 784, (clip.item + 1) * 784);
    let inside = 0;
    for (let r = 0; r < 32; r++)
      for (let c = 0; c < 32; c++) {
        const v = frame[r * 32 + c];
        const ir = r - y;
        const ic = c - x;
        if (ir < 0 || ic < 0 || ir >= 14 || ic >= 14) {
          expect(v).toBe(0);
          continue;
        }
        const mean =
          (src[2 * ir * 28 + 2 * ic] +
            src[2 * ir * 28 + 2 * ic + 1] +
            src[(2 * ir + 1) * 28 + 2 * ic] +
            src[(2 * ir + 1) * 28 + 2 * ic + 1]) /
          4;
        expect(Math.abs(v - mean)).toBeLessThanOrEqual(0.5);
        inside += v;
      }
    expect(inside).toBeGreaterThan(0);
  });

  it("a frame alone carries no direction: every direction puts the item at the same positions, equally often", () => {
    // Enumerate every draw the planner can make (speed s, a, b in 0…room − travel, g, the
    // jitter of the frame, and the frame f a single-frame observer would see) and count the
    // item's corner per direction. Item and speed are drawn independently of the direction, so
    // equal counts mean the frames of the four directions have one distribution: no
    // single-frame classifier beats chance.
    const J = options.jitter;
    const room = options.canvas - 14 - 2 * J;
    const N = options.frames;
    const noJitter = new Int8Array(2 * N);
    for (const s of options.speeds) {
      const span = room - (N - 1) * s + 1;
      const histograms = MOVING_DIRECTIONS.map((_, d) => {
        const h = new Map<number, number>();
        for (let a = 0; a < span; a++)
          for (let b = 0; b < span; b++)
            for (let g = 0; g < N; g++) {
              const { x0, y0 } = placeClip(d, s, a, b, g, N, J);
              const path = { direction: d, speed: s, x0, y0, jitter: noJitter };
              for (let f = 0; f < N; f++) {
                const { x, y } = clipPosition(path, f);
                for (let jx = -J; jx <= J; jx++)
                  for (let jy = -J; jy <= J; jy++) {
                    const key = (x + jx) * 1000 + y + jy;
                    h.set(key, (h.get(key) ?? 0) + 1);
                  }
              }
            }
        return [...h].sort((p, q) => p[0] - q[0]);
      });
      for (let d = 1; d < 4; d++) expect(histograms[d]).toEqual(histograms[0]);
      // Not trivially so: knowing the frame is a clip's first would tell left from right.
      const firstX = (d: number) => placeClip(d, s, 0, 0, 0, N, J).x0;
      expect(firstX(0)).not.toBe(firstX(1));
    }
  });

  it("names what to change when the clip does not fit", () => {
    expect(() => planMovingClips(source, 4, { ...options, frames: 10 })).toThrow(
      /travel 18 px, but a 14-px item shaken by ±1 px has only 16 px of room on a 32-px canvas/,
    );
    expect(() => planMovingClips(source, 4, { ...options, jitter: -1 })).toThrow(/jitter is -1/);
    expect(() => planMovingClips(source, 4, { ...options, shrink: 3 })).toThrow(
      /shrink 3 does not divide the 28-pixel images/,
    );
    expect(() => planMovingClips(source, 0, options)).toThrow(/count is 0/);
    expect(() => planMovingClips(source, 4, { ...options, speeds: [] })).toThrow(/speeds is empty/);
  });
});
