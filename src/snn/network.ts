/**
 * A running network: explicit state, one `tick()` per `dt`, the model's readout and the frame's
 * counters. Two engines implement it (reference: dense and plain; fast: event-driven); this base
 * class holds everything they share (presentation, readout window, counters), so both behave
 * identically outside the tick itself.
 */
import type { FrameCounters, LayerCounters } from "./counters.js";
import type { Model } from "./model.js";
import { buildTopology } from "./topology.js";
import type { WeightedStage } from "./topology.js";

export type EngineKind = "fast" | "reference";

/**
 * Anything that turns a frame into per-tick input (src/encode's InputEncoder fits): the engine
 * cannot import src/encode, so run() takes one through this shape.
 */
export interface TickEncoder {
  /** The model-file encoder type ("constant", "rows", ...). */
  readonly kind: string;
  /** True when every tick of a presentation carries the same input. */
  readonly constant: boolean;
  /** True when the encoder's state spans frames (delta's reference): a reset presentation keeps it. */
  readonly carriesState: boolean;
  present(frame: ArrayLike<number>): void;
  tick(): Float32Array | Float64Array;
  reset(): void;
}

export interface NetworkOptions {
  /** "fast" (event-driven, default) or "reference" (dense, written for clarity). */
  engine?: EngineKind;
}

/** What `run()` returns. Both arrays/objects belong to the network and are overwritten next frame. */
export interface FrameResult {
  /** Raw readout scores of the frame, one per label (see Network.scores). */
  scores: Float64Array;
  counters: FrameCounters;
}

export interface Network {
  readonly model: Model;
  readonly engine: EngineKind;
  /** Clear all neuron and synapse state, and start a new frame. */
  reset(): void;
  /** Start a new frame: zero counters, readout sums and the frame's tick index; keep neuron state. */
  beginFrame(): void;
  /**
   * Advance one tick. `input` is the encoded input current of every input element (channels-first,
   * model.encodedSize values: the whole image for frame encoders, one row or window for sequence
   * encoders). `constant: true` promises the input equals the previous tick's of this
   * frame, so the first layer's synaptic current is computed once per frame and reused.
   */
  tick(input: Float32Array | Float64Array, constant?: boolean): void;
  /**
   * Present one frame of pixels (channels-first, model.inputSize values) for `timesteps` ticks
   * (default presentation.timesteps). Mode "reset" clears the state (and resets the encoder)
   * first; "continuous" keeps it. Without `encoder` the model's encoder must be "constant"
   * (gain*x + bias, computed here); any other encoder is passed in, e.g.
   * `net.run(pixels, undefined, encoderForModel(model.spec))` from src/encode.
   */
  run(pixels: ArrayLike<number>, timesteps?: number, encoder?: TickEncoder): FrameResult;
  /** Ticks simulated in the current frame. */
  readonly frameTicks: number;
  /** Last layer's output of the last tick (spikes as amplitude/dt for LIF, amplitude for ALIF). */
  readonly output: Float64Array;
  /** Last layer's spikes of the last tick (1 = spiked). */
  readonly spikes: Uint8Array;
  /** Last layer's membrane (LIF v, ALIF u, leaky-integrator u, linear J) of the last tick. */
  readonly membrane: Float64Array;
  /**
   * The model's readout over the window [start, end) of the current frame, as far as it has run:
   * spike_count = spikes per output neuron; mean_output = mean output per tick in the window;
   * membrane = mean membrane per tick in the window. Written into `out` when given.
   */
  scores(out?: Float64Array): Float64Array;
  /** Counters of the frame so far; the same object every call, updated in place. */
  counters(): FrameCounters;
}

export abstract class NetworkBase implements Network {
  readonly stages: WeightedStage[];
  readonly output: Float64Array;
  readonly spikes: Uint8Array;
  readonly membrane: Float64Array;
  frameTicks = 0;

  /** Per weighted stage, this frame: spikes emitted and synaptic operations received. */
  protected readonly layerSpikes: Float64Array;
  protected readonly layerSynops: Float64Array;
  /** Synaptic operations of this frame driven by the network input (part of layerSynops[0]). */
  protected inputOps = 0;

  private readonly sums: Float64Array;
  private readonly scoreBuf: Float64Array;
  private readonly current: Float64Array;
  private readonly frame: FrameCounters;
  private readonly winStart: number;
  private readonly winEnd: number;
  private ticksInWindow = 0;

  protected constructor(
    readonly model: Model,
    readonly engine: EngineKind,
  ) {
    this.stages = buildTopology(model);
    const n = model.outputSize;
    this.output = new Float64Array(n);
    this.spikes = new Uint8Array(n);
    this.membrane = new Float64Array(n);
    this.sums = new Float64Array(n);
    this.scoreBuf = new Float64Array(n);
    this.current = new Float64Array(model.encodedSize);
    this.layerSpikes = new Float64Array(this.stages.length);
    this.layerSynops = new Float64Array(this.stages.length);
    const window = model.spec.readout.window;
    this.winStart = window.start;
    this.winEnd = window.end ?? model.spec.presentation.timesteps;
    const layers: LayerCounters[] = this.stages.map((s) => ({
      layer: s.layer,
      neurons: s.neurons,
      spikes: 0,
      synapticOps: 0,
      neuronUpdates: 0,
      annMacs: s.annMacs,
    }));
    this.frame = {
      ticks: 0,
      inputOps: 0,
      dt: model.spec.dt,
      layers,
      total: { neurons: 0, spikes: 0, synapticOps: 0, neuronUpdates: 0, annMacs: 0 },
    };
  }

  /** Advance the engine's state one tick and fill output/spikes/membrane and the layer counts. */
  protected abstract step(input: Float32Array | Float64Array, constant: boolean): void;
  /** Zero the engine's neuron and synapse state. */
  protected abstract clearState(): void;
  /** Forget any cached first-layer current. */
  protected abstract invalidateInput(): void;

  reset(): void {
    this.clearState();
    this.output.fill(0);
    this.spikes.fill(0);
    this.membrane.fill(0);
    this.beginFrame();
  }

  beginFrame(): void {
    this.frameTicks = 0;
    this.ticksInWindow = 0;
    this.sums.fill(0);
    this.layerSpikes.fill(0);
    this.layerSynops.fill(0);
    this.inputOps = 0;
    this.invalidateInput();
  }

  tick(input: Float32Array | Float64Array, constant = false): void {
    if (input.length !== this.model.encodedSize) {
      const m = this.model;
      throw new RangeError(
        `tick(): input has ${input.length} values but ${m.source} expects ${m.encodedSize} per tick (shape [${m.encodedShape.join(", ")}] from encoder "${m.spec.input.encoder.type}")`,
      );
    }
    this.step(input, constant);
    const t = this.frameTicks++;
    if (t >= this.winStart && t < this.winEnd) {
      this.ticksInWindow++;
      const sums = this.sums;
      const type = this.model.spec.readout.type;
      const src =
        type === "spike_count" ? this.spikes : type === "mean_output" ? this.output : this.membrane;
      for (let i = 0; i < sums.length; i++) sums[i] += src[i];
    }
  }

  run(
    pixels: ArrayLike<number>,
    timesteps = this.model.spec.presentation.timesteps,
    encoder?: TickEncoder,
  ): FrameResult {
    const spec = this.model.spec.input.encoder;
    if (encoder === undefined && spec.type !== "constant") {
      throw Object.assign(
        new Error(
          `${this.model.source}: run() computes constant-current encoding itself, but input.encoder is "${spec.type}"; pass an encoder: run(pixels, undefined, encoderForModel(model.spec)) from src/encode`,
        ),
        { userFacing: true },
      );
    }
    if (pixels.length !== this.model.inputSize) {
      throw new RangeError(
        `run(): frame has ${pixels.length} values but ${this.model.source} expects ${this.model.inputSize} (shape [${this.model.inputShape.join(", ")}])`,
      );
    }
    const reset = this.model.spec.presentation.mode === "reset";
    if (reset) this.reset();
    else this.beginFrame();
    if (encoder !== undefined) {
      // An encoder that carries state across frames (delta's reference) keeps it.
      if (reset && !encoder.carriesState) encoder.reset();
      encoder.present(pixels);
      for (let t = 0; t < timesteps; t++) this.tick(encoder.tick(), encoder.constant);
    } else if (spec.type === "constant") {
      const cur = this.current;
      for (let i = 0; i < cur.length; i++) cur[i] = spec.gain * pixels[i] + spec.bias;
      for (let t = 0; t < timesteps; t++) this.tick(cur, true);
    }
    return { scores: this.scores(), counters: this.counters() };
  }

  scores(out: Float64Array = this.scoreBuf): Float64Array {
    const type = this.model.spec.readout.type;
    const div = type === "spike_count" || this.ticksInWindow === 0 ? 1 : this.ticksInWindow;
    for (let i = 0; i < out.length; i++) out[i] = this.sums[i] / div;
    return out;
  }

  counters(): FrameCounters {
    const f = this.frame;
    f.ticks = this.frameTicks;
    f.inputOps = this.inputOps;
    const total = f.total;
    total.neurons = total.spikes = total.synapticOps = total.neuronUpdates = total.annMacs = 0;
    for (let k = 0; k < f.layers.length; k++) {
      const l = f.layers[k];
      l.spikes = this.layerSpikes[k];
      l.synapticOps = this.layerSynops[k];
      l.neuronUpdates = l.neurons * this.frameTicks;
      total.neurons += l.neurons;
      total.spikes += l.spikes;
      total.synapticOps += l.synapticOps;
      total.neuronUpdates += l.neuronUpdates;
      total.annMacs += l.annMacs;
    }
    return f;
  }
}
