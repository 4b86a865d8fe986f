/**
 * Moving Fashion-MNIST: a streaming camera task in which only time tells the class. Each clip is
 * one item, shrunk by an integer factor, drifting across a black square canvas at a constant
 * whole-pixel speed in one of four directions, shaken by an independent jitter of up to `jitter`
 * pixels per axis in every frame (a hand-held camera); the label is the drift direction. The
 * jitter makes the step between two frames a noisy clue (at 1 px/frame drift and 1 px jitter
 * the item may step backwards or sideways), so a decision improves by integrating over frames.
 *
 * Placement is drawn so that a single frame says nothing about the direction: for every
 * direction the position of the item in a frame picked at random from a clip has the same
 * distribution, and item and speed are drawn independently of the direction. Along the motion
 * axis the item sits at a + f·s in frame f (or a + (N−1−f)·s when moving backwards); across it,
 * at b + g·s for an independent g uniform in 0…N−1. Both offsets are then a uniform start plus a
 * uniform multiple of s, and the jitter, drawn independently per frame, adds the same noise to
 * every direction, so the frame distributions of the four directions coincide (the test
 * enumerates every draw to check it). Only a comparison of frames — the delta encoder's job —
 * and integration over them can recover the direction.
 *
 * Deterministic: the clips are a function of the source set, the options and the seed.
 */
import { Rng } from "../rng.js";
import { datasetError, type ImageSet } from "./types.js";

export const MOVING_DIRECTIONS = ["left", "right", "up", "down"] as const;
export type MovingDirection = (typeof MOVING_DIRECTIONS)[number];

/** Unit velocity [vx, vy] of each direction (image coordinates: y grows downwards). */
const VELOCITY: readonly (readonly [number, number])[] = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];

export interface MovingOptions {
  /** Side of the square canvas, pixels (the model's input is canvas × canvas, one channel). */
  canvas: number;
  /** The source image is shrunk by this integer factor (area average): 28 / 2 = 14 px items. */
  shrink: number;
  /** Frames per clip. */
  frames: number;
  /** Speeds in pixels per frame, one drawn uniformly per clip. */
  speeds: number[];
  /** Each frame is displaced by independent whole pixels in −jitter…jitter per axis. */
  jitter: number;
  /** Seed of the draws (item order, directions, speeds, placement). */
  seed: number;
}

export const MOVING_DEFAULTS: Readonly<Omit<MovingOptions, "seed">> = {
  canvas: 32,
  shrink: 2,
  frames: 9,
  speeds: [1, 2],
  jitter: 1,
};

/** One clip: everything needed to render its frames. */
export interface MovingClip {
  /** Index of the item in the source set. */
  item: number;
  /** The item's class in the source set (not the task's label). */
  itemClass: number;
  /** Index into MOVING_DIRECTIONS: the label. */
  direction: number;
  /** Pixels per frame. */
  speed: number;
  /** Top-left corner of the item's drift path in frame 0 (before jitter). */
  x0: number;
  y0: number;
  /** Jitter of each frame: [dx0, dy0, dx1, dy1, …]. */
  jitter: Int8Array;
}

export interface MovingClips {
  name: string;
  options: MovingOptions;
  /** The shrunk item's side, pixels. */
  itemSide: number;
  clips: MovingClip[];
}

/** Checks the options against a source image side; returns the shrunk item's side. */
export function checkMovingOptions(o: MovingOptions, sourceSide: number): number {
  const whole = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw datasetError(`moving clips: ${name} is ${v}; it must be a whole number >= 1`);
  };
  whole("canvas", o.canvas);
  whole("shrink", o.shrink);
  whole("frames", o.frames);
  if (!Number.isInteger(o.seed) || o.seed < 0)
    throw datasetError(`moving clips: seed is ${o.seed}; it must be a whole number >= 0`);
  if (o.speeds.length === 0) throw datasetError("moving clips: speeds is empty; give e.g. [1, 2]");
  o.speeds.forEach((s) => whole("every speed", s));
  if (sourceSide % o.shrink !== 0)
    throw datasetError(
      `moving clips: shrink ${o.shrink} does not divide the ${sourceSide}-pixel images; use a divisor of ${sourceSide}`,
    );
  const side = sourceSide / o.shrink;
  if (!Number.isInteger(o.jitter) || o.jitter < 0 || o.jitter > 127)
    throw datasetError(`moving clips: jitter is ${o.jitter}; it must be a whole number in 0…127`);
  const room = o.canvas - side - 2 * o.jitter;
  const travel = (o.frames - 1) * Math.max(...o.speeds);
  if (travel > room)
    throw datasetError(
      `moving clips: ${o.frames} frames at ${Math.max(...o.speeds)} px/frame travel ${travel} px, but a ` +
        `${side}-px item shaken by ±${o.jitter} px has only ${room} px of room on a ${o.canvas}-px canvas; ` +
        `enlarge the canvas, shrink more, or use fewer frames, lower speeds or less jitter`,
    );
  return side;
}

/**
 * Corner of the drift path in frame 0 from the uniform draws: a, b in 0…room − travel, g in
 * 0…frames − 1 (see the module comment), shifted by the jitter margin. Exported so a test can
 * enumerate every draw.
 */
export function placeClip(
  direction: number,
  speed: number,
  a: number,
  b: number,
  g: number,
  frames: number,
  jitter: number,
): { x0: number; y0: number } {
  const [vx, vy] = VELOCITY[direction];
  const travel = (frames - 1) * speed;
  const along = (v: number) => jitter + (v > 0 ? a : a + travel);
  const across = jitter + b + g * speed;
  return vx !== 0 ? { x0: along(vx), y0: across } : { x0: across, y0: along(vy) };
}

/** Top-left corner of the item in frame f of a clip. */
export function clipPosition(
  clip: Pick<MovingClip, "direction" | "speed" | "x0" | "y0" | "jitter">,
  f: number,
): { x: number; y: number } {
  const [vx, vy] = VELOCITY[clip.direction];
  return {
    x: clip.x0 + vx * clip.speed * f + clip.jitter[2 * f],
    y: clip.y0 + vy * clip.speed * f + clip.jitter[2 * f + 1],
  };
}

/**
 * `count` clips from a grayscale square source set: distinct items in a seeded random order
 * (cycling if count exceeds the set), directions balanced and shuffled.
 */
export function planMovingClips(
  source: ImageSet,
  count: number,
  options: MovingOptions,
): MovingClips {
  const [c, h, w] = source.shape;
  if (c !== 1 || h !== w)
    throw datasetError(
      `moving clips: ${source.name} has images of shape [${source.shape}]; need square grayscale images [1, H, H]`,
    );
  if (!Number.isInteger(count) || count < 1)
    throw datasetError(`moving clips: count is ${count}; it must be a whole number >= 1`);
  const side = checkMovingOptions(options, h);
  const room = options.canvas - side - 2 * options.jitter;
  const rng = new Rng(options.seed);
  const items = new Uint32Array(source.count);
  for (let i = 0; i < items.length; i++) items[i] = i;
  rng.shuffle(items);
  const directions = Array.from({ length: count }, (_, i) => i % MOVING_DIRECTIONS.length);
  rng.shuffle(directions);
  const clips: MovingClip[] = [];
  for (let i = 0; i < count; i++) {
    const item = items[i % items.length];
    const direction = directions[i];
    const speed = options.speeds[rng.int(options.speeds.length)];
    const span = room - (options.frames - 1) * speed + 1;
    const a = rng.int(span);
    const b = rng.int(span);
    const g = rng.int(options.frames);
    const { x0, y0 } = placeClip(direction, speed, a, b, g, options.frames, options.jitter);
    const jitter = new Int8Array(2 * options.frames);
    if (options.jitter > 0)
      for (let k = 0; k < jitter.length; k++)
        jitter[k] = rng.int(2 * options.jitter + 1) - options.jitter;
    clips.push({ item, itemClass: source.labels[item], direction, speed, x0, y0, jitter });
  }
  return { name: `moving-${source.name}`, options, itemSide: side, clips };
}

/**
 * Renders frames of clips into a caller's canvas buffer (canvas² bytes, row-major), reusing one
 * shrunk-item buffer: black everywhere but the item.
 */
export class MovingRenderer {
  readonly canvas: number;
  readonly frameSize: number;
  private readonly item: Uint8Array;
  private readonly side: number;
  private readonly sourceSide: number;
  private cachedItem = -1;

  constructor(
    private readonly source: ImageSet,
    private readonly plan: MovingClips,
  ) {
    this.canvas = plan.options.canvas;
    this.frameSize = this.canvas * this.canvas;
    this.side = plan.itemSide;
    this.sourceSide = source.shape[1];
    this.item = new Uint8Array(this.side * this.side);
  }

  /** Frame f of clip `index` into `out` (canvas² bytes); returns out. */
  render(index: number, f: number, out: Uint8Array): Uint8Array {
    const clip = this.plan.clips[index];
    const item = this.shrunk(clip.item);
    const { x, y } = clipPosition(clip, f);
    const { canvas, side } = this;
    out.fill(0, 0, this.frameSize);
    for (let r = 0; r < side; r++)
      out.set(item.subarray(r * side, (r + 1) * side), (y + r) * canvas + x);
    return out;
  }

  /** The item shrunk by the integer factor: rounded mean of each k × k block. */
  private shrunk(index: number): Uint8Array {
    if (index === this.cachedItem) return this.item;
    const k = this.plan.options.shrink;
    const n = this.sourceSide;
    const src = this.source.pixels;
    const base = index * n * n;
    const area = k * k;
    for (let r = 0; r < this.side; r++) {
      for (let c = 0; c < this.side; c++) {
        let sum = 0;
        for (let dy = 0; dy < k; dy++)
          for (let dx = 0; dx < k; dx++) sum += src[base + (r * k + dy) * n + c * k + dx];
        this.item[r * this.side + c] = Math.floor((sum + (area >> 1)) / area);
      }
    }
    this.cachedItem = index;
    return this.item;
  }
}
