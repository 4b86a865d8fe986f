/**
 * One frame through the stages, in the worker: preprocess → encode → engine → readout → power,
 * each timed. Kept apart from the worker's message loop so tests can run it in-thread and
 * compare it with a direct engine run.
 *
 * Presentation: in `reset` mode every frame starts from a cleared network and a fresh encoder
 * (a Poisson stream restarts from its seed), so a frame's result depends only on the frame. An
 * encoder that says it carries state across frames (`carriesState`: delta, which encodes the
 * change since the previous frame) keeps it in both modes. In `continuous` mode nothing is cleared and each
 * frame runs for the simulated time its stamp says has passed (see presentation.ts).
 */
import { performance } from "node:perf_hooks";
import {
  decoderForModel,
  EarlyExitPolicy,
  timestepsProblem,
  windowTicks,
  type ScoreDecoder,
} from "../decode/index.js";
import { createEncoder, type InputEncoder } from "../encode/index.js";
import { ImageError, ImagePreprocessor, frameLabel } from "../image/index.js";
import {
  createNetwork,
  encodedInputShape,
  Encoder,
  loadModelSync,
  sequenceLength,
  type Model,
  type Network,
} from "../snn/index.js";
import { isNirPath, loadModelFrom } from "../nir/model-source.js";
import { createPowerStage, type PowerStage } from "./energy.js";
import { CAMERA_ENCODER, externalFrameProblem } from "./external-input.js";
import { continuousTicks, type ContinuousTicks } from "./presentation.js";
import { EventWindowInput, eventInputProblem, type EventInputOverrides } from "./event-input.js";
import type { EventWindow } from "./event-windows.js";
import { unreachable, type WorkerFrame } from "./input-kinds.js";
import type { FromWorker, WorkerConfig, WorkerTimings } from "./protocol.js";
import { RateMeter } from "./rate-meter.js";
import {
  NOMINAL_FRAME_RATE,
  type PipelineInfo,
  type PowerRate,
  type Header,
  type PresentationMode,
  type Time,
} from "./types.js";

export interface FrameProcessor {
  readonly info: PipelineInfo;
  /** Never throws: a bad frame becomes an error message. */
  process(seq: number, frame: WorkerFrame): Promise<FromWorker>;
}

const DEFAULT_RATE_WINDOW_MS = 2000;

export async function createFrameProcessor(config: WorkerConfig): Promise<FrameProcessor> {
  // A .nir file is imported at the pipeline's dt (default 1e-4 s) and timesteps.
  const loaded = await loadModelFrom(config.model, {
    dt: config.dt,
    timesteps: config.timesteps,
  });
  const processor = new StageProcessor(withOverrides(loaded, config), config);
  processor.buildNetwork();
  return processor;
}

/**
 * What createFrameProcessor builds, built here and now on the calling thread and then dropped:
 * the model read and parsed (every tensor against its layer), the options applied, encoder,
 * decoder and power stage made. Throws what the worker's load would throw, except for the
 * network's construction from the parsed model, which is left out: it refuses nothing that
 * parsed (only memory can fail it, in the worker), and it is most of the cost (0.2-0.45 s for
 * fashion-mnist-lif).
 * For a caller that must know synchronously that a pipeline will start (a ROS lifecycle
 * node's configure, which rclnodejs does not await).
 */
export function preflightProcessor(config: WorkerConfig): PipelineInfo | undefined {
  // A .nir file's HDF5 reader runs in a worker (src/nir), so it cannot be read synchronously:
  // undefined says "not checked here", and the worker's load decides.
  if (isNirPath(config.model)) return undefined;
  return new StageProcessor(withOverrides(loadModelSync(config.model), config), config).info;
}

/** Tick limits of continuous presentation: [minTicks, maxTicks], maxTicks defaulting to T. */
function tickLimits(config: WorkerConfig, timesteps: number): ContinuousTicks {
  const minTicks = config.continuous?.minTicks ?? 1;
  return { minTicks, maxTicks: config.continuous?.maxTicks ?? Math.max(timesteps, minTicks) };
}

/**
 * The model as this pipeline runs it: timesteps, presentation and encoder overridden where the
 * options say so. Only the spec changes; the tensors are shared.
 *
 * In continuous presentation the readout covers every tick of each frame: the window's start
 * exists to skip the transient after a reset, and a continuous stream is never reset (a window
 * starting at tick 100 would otherwise never be reached by 33-tick frames).
 *
 * Under a sequence encoder (rows, pixel_windows) the sequence fixes the ticks per frame in both
 * modes (continuous keeps the state across frames, but each frame is still its whole sequence),
 * so the model's readout window stays, and a timesteps override must equal the sequence length.
 */
/**
 * Ticks per event window: `events.windowMs` over dt (a whole number of ticks, a whole number of
 * ns), default the frame's T ticks.
 */
function eventWindowTicks(
  config: WorkerConfig,
  model: string,
  dt: number,
  timesteps: number,
): number {
  const ms = config.events?.windowMs;
  if (ms === undefined) return timesteps;
  const ticks = Math.round((ms * 1e-3) / dt);
  const ns = ms * 1e6;
  if (
    !(ticks >= 1) ||
    Math.abs(ticks * dt * 1e3 - ms) > 1e-9 * Math.max(1, ms) ||
    Math.abs(ns - Math.round(ns)) > 1e-6
  ) {
    throw new Error(
      `pipeline option events.windowMs ${ms}: ${model} ticks every ${dt * 1e3} ms, so a window must be a whole number of ticks (e.g. ${Math.max(1, ticks) * dt * 1e3} ms)`,
    );
  }
  return ticks;
}

function withOverrides(model: Model, config: WorkerConfig): Model {
  const spec = model.spec;
  let encoder = spec.input.encoder;
  if (config.encoder !== undefined) {
    const parsed = Encoder.safeParse(config.encoder);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `pipeline option encoder ${JSON.stringify(config.encoder)}: ${issue.path.join(".") || "(value)"}: ${issue.message}. ` +
          'Use e.g. {"type":"constant","gain":1}, {"type":"poisson","max_rate":200} or {"type":"delta","threshold":0.1}.',
      );
    }
    encoder = parsed.data;
  }
  if (spec.input.encoder.type === "external") {
    // Imported NIR graphs: camera frames through a frame encoder (external-input.ts).
    const problem = externalFrameProblem(spec, model.source);
    if (problem !== null) throw new Error(problem);
    if (encoder.type === "external") encoder = CAMERA_ENCODER;
  }
  const shape = spec.input.shape;
  const encoded = encodedInputShape(encoder, shape);
  if (encoded.join() !== model.encodedShape.join()) {
    throw new Error(
      `pipeline option encoder ${JSON.stringify(config.encoder)}: it feeds the first layer [${encoded.join(", ")}] values per tick, ` +
        `but ${model.source} was built for its "${spec.input.encoder.type}" encoder's [${model.encodedShape.join(", ")}]. ` +
        "Use an encoder of the same kind (frame encoders constant/poisson/delta are interchangeable; rows and pixel_windows are not), or the model's own.",
    );
  }
  const steps = sequenceLength(encoder, shape);
  if (steps !== null && config.timesteps !== undefined && config.timesteps !== steps) {
    throw new Error(
      `pipeline option timesteps ${config.timesteps}: ${model.source} reads each image as a ${encoder.type} sequence of ${steps} ticks, which fixes the ticks per frame. Leave timesteps unset.`,
    );
  }
  const mode = config.presentation ?? spec.presentation.mode;
  const timesteps = steps ?? config.timesteps ?? spec.presentation.timesteps;
  const dt = config.dt ?? spec.dt;
  if (mode === "reset" && steps === null) {
    const problem = timestepsProblem(spec, timesteps);
    if (problem) throw new Error(`pipeline option timesteps ${timesteps}: ${problem}`);
  }
  // Event windows: the window's ticks are the frame's. In continuous presentation the readout
  // covers the longer of a frame's and a window's ticks (a frame reads its own ticks only).
  const windowTicks = eventWindowTicks(config, spec.name, dt, timesteps);
  const readout =
    mode === "continuous" && steps === null
      ? {
          ...spec.readout,
          window: { start: 0, end: Math.max(tickLimits(config, timesteps).maxTicks, windowTicks) },
        }
      : spec.readout;
  return {
    ...model,
    sequenceLength: steps,
    spec: {
      ...spec,
      dt,
      input: { ...spec.input, encoder },
      presentation: { mode, timesteps },
      readout,
    },
  };
}

class StageProcessor implements FrameProcessor {
  readonly info: PipelineInfo;
  /** Built by buildNetwork() (createFrameProcessor does, before the worker reports ready). */
  private network!: Network;
  /** Frames in: absent for a model that reads camera events only (an "events" encoder). */
  private readonly frames: { preprocessor: ImagePreprocessor; encoder: InputEncoder } | undefined;
  private readonly decoder: ScoreDecoder;
  private readonly earlyExit: EarlyExitPolicy | undefined;
  private readonly energy: PowerStage;
  private readonly rate: RateMeter;
  private readonly configuredRate: number | undefined;
  private readonly mode: PresentationMode;
  private readonly timesteps: number;
  /** A sequence encoder fixes the ticks of every frame, in both presentation modes. */
  private readonly fixedTicks: boolean;
  private readonly limits: ContinuousTicks;
  private readonly running: Float64Array;
  private readonly spikeCounts: Float64Array;
  private previousStamp: Time | undefined;
  /** Event windows: built on the first window (null: the model reads frames only). */
  private eventInput: EventWindowInput | undefined;
  private readonly windowTicks: number;

  constructor(
    private readonly model: Model,
    config: WorkerConfig,
  ) {
    const spec = model.spec;
    this.mode = spec.presentation.mode;
    this.timesteps = spec.presentation.timesteps;
    this.fixedTicks = this.mode === "reset" || model.sequenceLength !== null;
    this.limits = tickLimits(config, this.timesteps);
    this.frames =
      spec.input.encoder.type === "events"
        ? undefined
        : {
            preprocessor: new ImagePreprocessor(spec.input, { maxPixels: config.maxImagePixels }),
            encoder: createEncoder(spec.input.encoder, model.inputShape, spec.dt),
          };
    this.decoder = decoderForModel(spec, { topK: config.topK });
    this.earlyExit = config.earlyExit ? new EarlyExitPolicy(config.earlyExit) : undefined;
    this.energy = createPowerStage(
      model,
      // Binned events are spikes (counts), as the delta encoder's are.
      this.frames?.encoder.analog ?? false,
      config.powerProfile,
      config.profiles,
    );
    this.rate = new RateMeter(config.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS);
    this.configuredRate = config.frameRate;
    this.running = new Float64Array(model.outputSize);
    this.spikeCounts = new Float64Array(model.outputSize);
    this.windowTicks = eventWindowTicks(config, spec.name, spec.dt, this.timesteps);
    this.eventOverrides = { roi: config.events?.roi, downsample: config.events?.downsample };
    const eventProblem = eventInputProblem(spec);
    this.info = {
      modelName: spec.name,
      labels: [...model.labels],
      inputShape: [...model.inputShape] as [number, number, number],
      dt: spec.dt,
      timesteps: this.timesteps,
      presentation: this.mode,
      encoder: spec.input.encoder.type,
      powerProfile: this.energy.profile.name,
      neurons: model.layers.reduce((n, l) => n + l.neurons, 0),
      events:
        eventProblem === null
          ? {
              windowNs: Math.round(this.windowTicks * spec.dt * 1e9),
              ticks: this.windowTicks,
              reads: spec.input.encoder.type === "events" ? "counts" : "delta",
            }
          : null,
    };
  }

  private readonly eventOverrides: EventInputOverrides;

  buildNetwork(): void {
    this.network = createNetwork(this.model);
  }

  /** The measured rate, or before two frames the configured or nominal one (power of frame 1 is not 0). */
  private powerRate(): PowerRate {
    const measured = this.rate.rate();
    if (measured > 0) return { fps: measured, source: "measured" };
    return this.configuredRate !== undefined
      ? { fps: this.configuredRate, source: "configured" }
      : { fps: NOMINAL_FRAME_RATE, source: "nominal" };
  }

  async process(seq: number, frame: WorkerFrame): Promise<FromWorker> {
    const header = frame.message.header;
    const label = frameLabel(seq, header);
    try {
      return frame.kind === "window"
        ? this.classifyWindow(seq, frame.message, label)
        : await this.classify(seq, frame, label);
    } catch (err) {
      if (err instanceof ImageError) {
        return { type: "error", seq, reason: err.reason, message: err.message };
      }
      return {
        type: "error",
        seq,
        reason: "internal_error",
        message: `${label}: classification failed: ${(err as Error)?.message ?? String(err)}`,
      };
    }
  }

  /** The model's input tensor from a frame of any input kind. */
  private async preprocess(
    preprocessor: ImagePreprocessor,
    frame: Exclude<WorkerFrame, { kind: "window" }>,
    label: string,
  ): Promise<Float32Array> {
    switch (frame.kind) {
      case "image":
        return preprocessor.fromRaw(frame.message, label);
      case "compressed":
        return preprocessor.fromCompressed(frame.message, label);
      default:
        return unreachable(frame, "frame kind");
    }
  }

  private async classify(
    seq: number,
    frame: Exclude<WorkerFrame, { kind: "window" }>,
    label: string,
  ): Promise<FromWorker> {
    const { network, earlyExit, running, spikeCounts } = this;
    const header = frame.message.header;
    if (!this.frames) {
      return {
        type: "error",
        seq,
        reason: "not_a_frame_model",
        message: `${label}: ${this.model.spec.name} reads event-camera events (its input encoder is "events"), not images; send it event_camera_msgs/msg/EventPacket`,
      };
    }
    const { preprocessor, encoder } = this.frames;
    const timings: WorkerTimings = { preprocess: 0, encode: 0, engine: 0, readout: 0, power: 0 };

    let t = performance.now();
    const tensor = await this.preprocess(preprocessor, frame, label);
    let now = performance.now();
    timings.preprocess = now - t;

    const ticks = this.fixedTicks
      ? this.timesteps
      : continuousTicks(
          this.previousStamp,
          header.stamp,
          this.model.spec.dt,
          this.timesteps,
          this.limits,
        );
    this.previousStamp = header.stamp;

    t = now;
    if (this.mode === "reset") {
      network.reset();
      if (!encoder.carriesState) encoder.reset();
    } else {
      network.beginFrame();
    }
    earlyExit?.reset();
    encoder.present(tensor);
    now = performance.now();
    timings.encode = now - t;

    // The tick loop: encode and engine time are taken apart only for encoders that work per
    // tick; a constant current is all set up by present().
    let encodeMs = 0;
    let used = 0;
    spikeCounts.fill(0);
    const outSpikes = network.spikes;
    const perTickEncode = !encoder.constant;
    const loopStart = performance.now();
    for (let k = 0; k < ticks; k++) {
      let input;
      if (perTickEncode) {
        const e0 = performance.now();
        input = encoder.tick();
        encodeMs += performance.now() - e0;
      } else {
        input = encoder.tick();
      }
      network.tick(input, encoder.constant);
      for (let i = 0; i < outSpikes.length; i++) spikeCounts[i] += outSpikes[i];
      used = k + 1;
      if (earlyExit && earlyExit.update(network.scores(running))) break;
    }
    now = performance.now();
    timings.encode += encodeMs;
    timings.engine = now - loopStart - encodeMs;

    return this.readOut(seq, header, used, timings, now);
  }

  /** Readout, counters and power of the frame or window just ticked. */
  private readOut(
    seq: number,
    header: Header,
    used: number,
    timings: WorkerTimings,
    start: number,
  ): FromWorker {
    const { network, decoder, running, spikeCounts } = this;
    let t = start;
    const raw = network.scores(running);
    const decoded = decoder.decode(raw, windowTicks(this.model.spec, used));
    const outputSpikeCounts = Array.from(spikeCounts);
    const counters = structuredClone(network.counters());
    const now = performance.now();
    timings.readout = now - t;

    t = now;
    this.rate.mark(now);
    const powerRate = this.powerRate();
    const energy = this.energy.estimate(counters, powerRate.fps);
    timings.power = performance.now() - t;

    return {
      type: "result",
      seq,
      result: {
        header,
        classId: decoded.classId,
        className: decoded.className,
        confidence: decoded.confidence,
        scores: decoded.scores,
        topK: decoded.topK,
        timestepsUsed: used,
        outputSpikeCounts,
        counters,
        energy,
        powerRate,
        timings,
      },
    };
  }

  /**
   * A window of events: reset (reset presentation) or a new frame of the running network
   * (continuous), then one tick per `dt` of the window's sensor time through the event input.
   */
  private classifyWindow(seq: number, window: EventWindow, label: string): FromWorker {
    const { network, earlyExit, running, spikeCounts } = this;
    const timings: WorkerTimings = { preprocess: 0, encode: 0, engine: 0, readout: 0, power: 0 };
    const t0 = performance.now();
    if (!this.eventInput) {
      try {
        this.eventInput = new EventWindowInput(this.model.spec, this.eventOverrides);
      } catch (err) {
        return {
          type: "error",
          seq,
          reason: "not_an_event_model",
          message: `${label}: ${(err as Error).message}`,
        };
      }
    }
    const input = this.eventInput;
    const carry = this.mode === "continuous";
    if (carry) network.beginFrame();
    else network.reset();
    earlyExit?.reset();
    spikeCounts.fill(0);
    const outSpikes = network.spikes;
    let used = 0;
    let stopped = false;
    let ticks: number;
    try {
      ticks = input.present(window, carry, (x) => {
        if (stopped) return;
        network.tick(x, false);
        for (let i = 0; i < outSpikes.length; i++) spikeCounts[i] += outSpikes[i];
        used += 1;
        if (earlyExit && earlyExit.update(network.scores(running))) stopped = true;
      });
    } catch (err) {
      return {
        type: "error",
        seq,
        reason: "events_geometry",
        message: `${label}: ${(err as Error).message}`,
      };
    }
    if (ticks !== this.windowTicks) {
      throw new Error(
        `window ${window.index} gave ${ticks} ticks, not ${this.windowTicks}: its span ${window.endNs - window.startNs} ns is not the pipeline's window`,
      );
    }
    const now = performance.now();
    // Binning and ticking interleave per tick; their sum is reported as engine time.
    timings.engine = now - t0;
    const reply = this.readOut(seq, window.header, used, timings, now);
    if (reply.type === "result") {
      reply.result.window = {
        index: window.index,
        startNs: window.startNs,
        endNs: window.endNs,
        events: window.count,
        packets: window.packets,
      };
    }
    return reply;
  }
}
