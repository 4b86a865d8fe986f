/**
 * A window of camera events → the network's input, tick by tick (in the worker).
 *
 * Two kinds of model read events:
 * - an `events` encoder model: each tick is the binner's `[2, H, W]` counts (OFF, ON) × gain,
 *   exactly as src/encode/event-bins.ts documents;
 * - a `delta` encoder model (trained on delta-encoder emulation of an event camera, e.g.
 *   moving-fashion-srnn): each tick is `(ON − OFF) · amplitude / dt` per pixel on its `[1, H, W]`
 *   input, the current the delta encoder injects for the same events. A bag of those events (see
 *   `spikenode sample-bag --events`) is then classified exactly as the frames it came from.
 *
 * The binner runs on sensor time: a window of `ticks · dt` gives exactly `ticks` ticks, empty ones
 * included. Between contiguous windows the binner carries on (its refractory filter remembers the
 * last window); after a dropped window, or in reset presentation, it restarts at the window's start.
 * One binner per sensor geometry (a stream rarely changes it).
 */
import { centeredRoi, EventBinner, eventBinnerForModel, type Roi } from "../encode/event-bins.js";
import type { ModelSpec } from "../snn/model-spec.js";
import type { EventWindow } from "./event-windows.js";

export interface EventInputOverrides {
  roi?: Roi;
  downsample?: number;
}

/** Why a model cannot read event windows, or null when it can. */
export function eventInputProblem(spec: ModelSpec): string | null {
  const e = spec.input.encoder;
  const [c, h, w] = spec.input.shape;
  if (e.type === "events")
    return c === 2 ? null : `its events input is [${c}, ${h}, ${w}], not [2, H, W]`;
  if (e.type === "delta")
    return c === 1
      ? null
      : `its delta encoder reads [${c}, ${h}, ${w}] frames; events stand in for a one-channel (gray) delta encoder only`;
  return `its input encoder is "${e.type}", which reads frames; an event camera feeds models with an "events" (or "delta") encoder`;
}

export class EventWindowInput {
  /** Values the first layer takes per tick. */
  readonly size: number;
  private readonly dtNs: number;
  private readonly plane: number;
  private readonly input: Float32Array;
  private readonly height: number;
  private binner: EventBinner | undefined;
  private geometry = "";
  private nextStartNs: bigint | null = null;
  private sink: ((input: Float32Array) => void) | undefined;

  constructor(
    private readonly spec: ModelSpec,
    private readonly overrides: EventInputOverrides = {},
  ) {
    const problem = eventInputProblem(spec);
    if (problem) throw new Error(`${spec.name} cannot read event windows: ${problem}`);
    const [c, h, w] = spec.input.shape;
    this.plane = h * w;
    this.size = c * this.plane;
    this.dtNs = Math.round(spec.dt * 1e9);
    this.input = new Float32Array(this.size);
    const e = spec.input.encoder;
    this.height = e.type === "delta" ? (e.amplitude ?? 1) / spec.dt : 1;
  }

  /**
   * Feeds the window's ticks to `tick`, in order; returns how many. `carry`: the network's state
   * carries over from the previous window (continuous presentation).
   */
  present(window: EventWindow, carry: boolean, tick: (input: Float32Array) => void): number {
    const binner = this.binnerFor(window.width, window.height);
    const contiguous = carry && this.nextStartNs === window.startNs;
    if (!contiguous) binner.reset(window.startNs);
    const before = binner.stats.ticks;
    this.sink = tick;
    try {
      binner.push({
        baseNs: window.startNs,
        count: window.count,
        x: window.x,
        y: window.y,
        polarity: window.polarity,
        tOffsetNs: window.tOffsetNs,
      });
      binner.advanceTo(window.endNs);
    } finally {
      this.sink = undefined;
    }
    this.nextStartNs = window.endNs;
    return binner.stats.ticks - before;
  }

  /** Binner stats (events outside the ROI, refractory drops) of the stream so far. */
  get binnerStats() {
    return this.binner?.stats;
  }

  private onTick = (counts: Float32Array): void => {
    const sink = this.sink;
    if (!sink) return;
    if (this.spec.input.encoder.type === "events") {
      sink(counts);
      return;
    }
    // delta: (ON − OFF) · amplitude/dt, as DeltaEncoder computes n · height (exact integers n).
    const { input, plane, height } = this;
    for (let i = 0; i < plane; i++) {
      const n = counts[plane + i] - counts[i];
      input[i] = n === 0 ? 0 : n * height;
    }
    sink(input);
  };

  private binnerFor(width: number, height: number): EventBinner {
    const key = `${width}x${height}`;
    if (this.binner && this.geometry === key) return this.binner;
    const spec = this.spec;
    const e = spec.input.encoder;
    const [, h, w] = spec.input.shape;
    const downsample = this.overrides.downsample ?? (e.type === "events" ? e.downsample : 1);
    const roi = this.overrides.roi ?? (e.type === "events" ? e.roi : undefined);
    if (!roi && (width <= 0 || height <= 0)) {
      throw new Error(
        `the event packets give no sensor size (width ${width}, height ${height}); set the roi (events_roi) so the ${w}×${h} input knows which pixels to read`,
      );
    }
    const chosen = roi ?? centeredRoi(width, height, h, w, downsample);
    if (chosen.width !== w * downsample || chosen.height !== h * downsample) {
      throw new Error(
        `roi ${chosen.width}×${chosen.height} at downsample ${downsample} does not give the model's ${w}×${h} input; use a ${w * downsample}×${h * downsample} roi or another downsample`,
      );
    }
    if (
      width > 0 &&
      height > 0 &&
      (chosen.x + chosen.width > width || chosen.y + chosen.height > height)
    ) {
      throw new Error(
        `roi ${chosen.width}×${chosen.height} at (${chosen.x}, ${chosen.y}) reaches past the ${width}×${height} sensor; move or shrink it`,
      );
    }
    this.binner =
      e.type === "events"
        ? eventBinnerForModel(
            { ...spec, input: { ...spec.input, encoder: { ...e, roi: chosen, downsample } } },
            {
              width: Math.max(width, chosen.x + chosen.width),
              height: Math.max(height, chosen.y + chosen.height),
            },
            this.onTick,
          )
        : new EventBinner({ dtNs: this.dtNs, roi: chosen, downsample, onTick: this.onTick });
    this.geometry = key;
    this.nextStartNs = null;
    return this.binner;
  }
}
