/**
 * Moving Fashion-MNIST clips as the engine receives them: each canvas frame is read as the image
 * preprocessor reads a mono8 frame (byte · 1/255), presented to the model file's delta encoder
 * (built by `createEncoder`, the node's own path), and ticked `ticksPerFrame` times, as the node
 * does in `continuous` presentation. A clip's sample is that tick stream, T = frames ·
 * ticksPerFrame steps of canvas² inputs, time-major.
 *
 * The clips of a set are one recording, as in the sample bag: clip after clip through one
 * encoder that is never reset, so frame 0 of a clip carries the cut from the previous scene and
 * the stream of all clips in order is exactly the concatenation of their samples (clip 0 starts
 * from a fresh encoder, which fires nothing on its first frame). Cutting the recording into
 * clips that each start from a fresh encoder would not do: the delta encoder's references keep
 * sub-threshold remainders, and 18% of the event values of such clips differ from the stream's
 * (measured on 200 test clips). Only the network state is reset per sample in training; the
 * node carries it across clips.
 *
 *   const set = loadMovingFashion("train");
 *   set.fill(i, inputs, offset);       // T × inputSize event currents of clip i
 *   set.fillLabels(i, labels, offset); // T labels: the direction, −1 on unscored ticks
 */
import { createEncoder, type InputEncoder } from "../../encode/index.js";
import type { Encoder } from "../../snn/model-spec.js";
import { FASHION_MNIST_DIR, loadFashionMnist } from "./fashion-mnist.js";
import {
  MOVING_DEFAULTS,
  MOVING_DIRECTIONS,
  MovingRenderer,
  planMovingClips,
  type MovingClips,
  type MovingOptions,
} from "./moving-fashion.js";
import { datasetError, type ImageSet } from "./types.js";

export type DeltaEncoderSpec = Extract<Encoder, { type: "delta" }>;

export interface MovingEventOptions {
  /** Engine ticks per frame: the model's presentation.timesteps (mode continuous). */
  ticksPerFrame: number;
  /** Seconds per tick: the model's dt. */
  dt: number;
  /** The model file's input encoder. amplitude = dt makes each event a unit current. */
  encoder: DeltaEncoderSpec;
  /**
   * Ticks of frames before this one are labelled −1 (not scored): frame 0 shows only the cut
   * from the previous clip, and motion first shows in the events of frame 1.
   */
  scoreFromFrame: number;
}

/**
 * Threshold 1 (one e-fold of intensity): a black pixel the item covers or uncovers fires up to 6
 * events (ln(1.001/0.001) ≈ 6.9), texture inside the item fewer. amplitude = dt/4 makes each
 * event a current of 0.25, so a pixel's current is at most 1.5 and about 1 on average (measured
 * on the 1000 default test clips: 87 of 1024 pixels active per frame, mean |current| 1.08).
 */
export const MOVING_EVENT_DEFAULTS: Readonly<MovingEventOptions> = {
  ticksPerFrame: 4,
  dt: 0.001,
  encoder: { type: "delta", threshold: 1, amplitude: 0.00025, epsilon: 1e-3 },
  scoreFromFrame: 1,
};

/** A canvas frame (bytes) as the image preprocessor reads mono8: byte · (1/255), float32. */
export function frameTensor(bytes: Uint8Array, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = bytes[i] * (1 / 255);
  return out;
}

/** What B's sequence trainer consumes (structurally its SequenceSet), plus how it was made. */
export interface MovingSequenceSet {
  name: string;
  count: number;
  steps: number;
  inputSize: number;
  classes: string[];
  /** step: T labels per sample (−1 before scoreFromFrame); sample: the direction once. */
  labelMode: "step" | "sample";
  fill(index: number, out: Float32Array, offset: number): void;
  fillLabels(index: number, out: Int32Array, offset: number): void;
  plan: MovingClips;
  events: MovingEventOptions;
  /** Renders frame f of clip i (canvas² bytes) into out. */
  renderFrame(index: number, f: number, out: Uint8Array): Uint8Array;
}

function checkEvents(e: MovingEventOptions, frames: number): void {
  if (!Number.isInteger(e.ticksPerFrame) || e.ticksPerFrame < 1)
    throw datasetError(
      `moving events: ticksPerFrame is ${e.ticksPerFrame}; use a whole number >= 1`,
    );
  if (!Number.isInteger(e.scoreFromFrame) || e.scoreFromFrame < 0 || e.scoreFromFrame >= frames)
    throw datasetError(
      `moving events: scoreFromFrame is ${e.scoreFromFrame}; use a whole number in 0…${frames - 1}`,
    );
}

/**
 * The encoder's output over a whole recording, kept sparse: for every tick, the inputs that are
 * not zero and their values (float32, as the encoder returned them).
 */
export interface EventRecording {
  /** Ticks recorded: frames · ticksPerFrame. */
  ticks: number;
  inputSize: number;
  /** Entries of tick t at [start[t], start[t + 1]). */
  start: Uint32Array;
  index: Uint16Array | Uint32Array;
  value: Float32Array;
}

/**
 * Runs the encoder over `frames` tensors in order, ticking each `ticksPerFrame` times as the
 * node does in continuous presentation, and records every tick's input. The encoder is not
 * reset: the delta encoder's references carry their sub-threshold remainders from frame to
 * frame and from clip to clip, which is why a clip's events depend on all that came before it.
 */
export function recordEvents(
  encoder: InputEncoder,
  frames: number,
  frameAt: (i: number) => Float32Array,
  ticksPerFrame: number,
): EventRecording {
  const n = encoder.size;
  const ticks = frames * ticksPerFrame;
  const start = new Uint32Array(ticks + 1);
  let index: Uint16Array | Uint32Array =
    n <= 0x10000 ? new Uint16Array(1024) : new Uint32Array(1024);
  let value = new Float32Array(1024);
  let used = 0;
  let t = 0;
  for (let f = 0; f < frames; f++) {
    encoder.present(frameAt(f));
    for (let k = 0; k < ticksPerFrame; k++, t++) {
      const input = encoder.tick();
      for (let p = 0; p < n; p++) {
        const v = input[p];
        if (v === 0) continue;
        if (used === value.length) {
          const grown =
            index instanceof Uint16Array ? new Uint16Array(used * 2) : new Uint32Array(used * 2);
          grown.set(index);
          index = grown;
          const values = new Float32Array(used * 2);
          values.set(value);
          value = values;
        }
        index[used] = p;
        value[used++] = v;
      }
      start[t + 1] = used;
    }
  }
  return { ticks, inputSize: n, start, index: index.slice(0, used), value: value.slice(0, used) };
}

/** Writes ticks [first, first + count) of a recording, dense, into out at offset. */
export function replayEvents(
  rec: EventRecording,
  first: number,
  count: number,
  out: Float32Array,
  offset: number,
): void {
  const n = rec.inputSize;
  out.fill(0, offset, offset + count * n);
  for (let t = 0; t < count; t++) {
    const base = offset + t * n;
    for (let e = rec.start[first + t]; e < rec.start[first + t + 1]; e++)
      out[base + rec.index[e]] = rec.value[e];
  }
}

/**
 * Clips of a source set as event sequences with a label per tick. The clips are recorded one
 * after another through one encoder (built from the model file's encoder spec by the node's
 * `createEncoder`), on the first fill; sample i is clip i's stretch of that recording.
 */
export function movingSequenceSet(
  source: ImageSet,
  count: number,
  options: MovingOptions,
  events: MovingEventOptions = MOVING_EVENT_DEFAULTS,
  labelMode: "step" | "sample" = "step",
): MovingSequenceSet {
  const plan = planMovingClips(source, count, options);
  checkEvents(events, options.frames);
  const renderer = new MovingRenderer(source, plan);
  const size = renderer.frameSize;
  const frames = options.frames;
  const T = frames * events.ticksPerFrame;
  const unscored = events.scoreFromFrame * events.ticksPerFrame;
  let recording: EventRecording | undefined;
  const record = (): EventRecording => {
    const encoder = createEncoder(events.encoder, size, events.dt);
    const bytes = new Uint8Array(size);
    const tensor = new Float32Array(size);
    return recordEvents(
      encoder,
      count * frames,
      (i) => frameTensor(renderer.render(Math.floor(i / frames), i % frames, bytes), tensor),
      events.ticksPerFrame,
    );
  };
  return {
    name: plan.name,
    count,
    steps: T,
    inputSize: size,
    classes: [...MOVING_DIRECTIONS],
    labelMode,
    fill(index, out, offset) {
      recording ??= record();
      replayEvents(recording, index * T, T, out, offset);
    },
    fillLabels(index, out, offset) {
      const direction = plan.clips[index].direction;
      if (labelMode === "sample") {
        out[offset] = direction;
        return;
      }
      out.fill(-1, offset, offset + unscored);
      out.fill(direction, offset + unscored, offset + T);
    },
    plan,
    events,
    renderFrame: (index, f, out) => renderer.render(index, f, out),
  };
}

export interface LoadMovingOptions extends Partial<MovingOptions> {
  /** Clips; default 6000 (train) or 1000 (test). */
  count?: number;
  events?: MovingEventOptions;
  /** Default step; sample gives one label per clip (score from readout.start = scoreFromFrame · ticksPerFrame). */
  labelMode?: "step" | "sample";
}

/**
 * Moving Fashion-MNIST from a Fashion-MNIST split (train clips from training items, test clips
 * from test items). Default seeds differ per split: 1 (train), 2 (test).
 */
export function loadMovingFashion(
  split: "train" | "test",
  options: LoadMovingOptions = {},
  dataDir = FASHION_MNIST_DIR,
): MovingSequenceSet {
  const { count, events, labelMode, ...rest } = options;
  const source = loadFashionMnist(split, dataDir);
  return movingSequenceSet(
    source,
    count ?? (split === "train" ? 6000 : 1000),
    { ...MOVING_DEFAULTS, seed: split === "train" ? 1 : 2, ...rest },
    events ?? MOVING_EVENT_DEFAULTS,
    labelMode ?? "step",
  );
}

/**
 * The model file's input and presentation sections for a network trained on these sequences:
 * the node then feeds it exactly what training saw (a mono8 frame of any integer multiple of
 * the canvas side gives the same tensor; see the sample bag).
 */
export function movingModelSections(
  options: Pick<MovingOptions, "canvas">,
  events: MovingEventOptions = MOVING_EVENT_DEFAULTS,
): {
  dt: number;
  input: {
    shape: [1, number, number];
    preprocess: { color: "gray"; fit: "center_crop"; invert: false };
    encoder: DeltaEncoderSpec;
  };
  presentation: { mode: "continuous"; timesteps: number };
} {
  return {
    dt: events.dt,
    input: {
      shape: [1, options.canvas, options.canvas],
      preprocess: { color: "gray", fit: "center_crop", invert: false },
      encoder: { ...events.encoder },
    },
    presentation: { mode: "continuous", timesteps: events.ticksPerFrame },
  };
}

/**
 * The first `clips` clips of a set, in order, as one camera stream of canvas frames: frame i is
 * frame i mod frames of clip ⌊i / frames⌋, labelled with the clip's direction. What the sample
 * bag records; the delta encoder's events over this stream are the clips' samples back to back.
 */
export function movingFrameStream(
  set: MovingSequenceSet,
  clips = set.count,
): {
  name: string;
  count: number;
  width: number;
  height: number;
  render(i: number, out: Uint8Array): Uint8Array;
  labels: Uint8Array;
  classes: string[];
  clips: Record<string, number>[];
} {
  if (!Number.isInteger(clips) || clips < 1 || clips > set.count)
    throw datasetError(`${set.name}: ${clips} clips asked for; the set has 1…${set.count}`);
  const { canvas, frames } = set.plan.options;
  const chosen = set.plan.clips.slice(0, clips);
  const labels = new Uint8Array(clips * frames);
  chosen.forEach((c, i) => labels.fill(c.direction, i * frames, (i + 1) * frames));
  return {
    name: set.name,
    count: labels.length,
    width: canvas,
    height: canvas,
    render: (i, out) => set.renderFrame(Math.floor(i / frames), i % frames, out),
    labels,
    classes: [...set.classes],
    clips: chosen.map((c, i) => ({
      start: i * frames,
      frames,
      direction: c.direction,
      speed: c.speed,
      item: c.item,
      item_class: c.itemClass,
    })),
  };
}
