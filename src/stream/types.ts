/**
 * The pipeline's contract with its sources (ROS subscriptions, bags, tests) and its sinks
 * (ROS publishers, output bags, the console). Kept free of rclnodejs and bag types.
 */
import type { Observable } from "rxjs";
import type { FrameCounters } from "../snn/counters.js";
import type { EnergyEstimate, HardwareProfile } from "../power/types.js";
import type { ModelSpecInput } from "../snn/model-spec.js";
import type { EarlyExitOptions } from "../decode/early-exit.js";
import type { ClassScore } from "../decode/decoder.js";
import type { Header } from "./frame-messages.js";
import type { DecodedFrame, InputMessage, InputMessageType } from "./input-kinds.js";

export type { CompressedImage, Header, RawImage, Time } from "./frame-messages.js";
export type { DecodedFrame, InputKind, InputMessage, InputMessageType } from "./input-kinds.js";

/**
 * A frame entering the pipeline: a decoded message of one of the input kinds (INPUT_KINDS in
 * input-kinds.ts), or serialized CDR bytes exactly as a raw ROS subscription or a bag delivers
 * them, with their message type; those are decoded once, inside the pipeline.
 */
export type FrameInput =
  DecodedFrame | { kind: "serialized"; type: InputMessageType; data: Uint8Array };

/** Milliseconds spent per stage for one frame; total runs from arrival to result. */
export interface StageTimings {
  queue: number;
  decode: number;
  preprocess: number;
  encode: number;
  engine: number;
  readout: number;
  power: number;
  total: number;
}

/** One class of a result's top k (src/decode's, the same concept). */
export type { ClassScore } from "../decode/decoder.js";

export interface ClassificationResult {
  /** Arrival order of the frame in this pipeline (0-based). */
  seq: number;
  header: Header;
  classId: number;
  className: string;
  /** Softmax confidence of the winning class, in [0, 1]. */
  confidence: number;
  /** Softmax scores of every class, in class order. */
  scores: number[];
  /** The k best classes, best first. */
  topK: ClassScore[];
  timestepsUsed: number;
  /** Spikes of each output neuron over the presentation. */
  outputSpikeCounts: number[];
  counters: FrameCounters;
  energy: EnergyEstimate;
  /** The frame rate energy.power is taken at, and where it comes from (see PipelineOptions.frameRate). */
  powerRate?: PowerRate;
  timings: StageTimings;
  /** Event input: which window of sensor time this is, and the events it held (all of them fed). */
  window?: EventWindowInfo;
}

export interface EventWindowInfo {
  /** Window number since the stream's origin. */
  index: number;
  /** Sensor time, ns, exact: [startNs, endNs). */
  startNs: bigint;
  endNs: bigint;
  events: number;
  packets: number;
}

/**
 * "measured": frames actually processed over the rate window; until two frames have been, the
 * configured rate (PipelineOptions.frameRate) or else the nominal NOMINAL_FRAME_RATE.
 */
export interface PowerRate {
  fps: number;
  source: "measured" | "configured" | "nominal";
}

/** Frames per second power is taken at before a rate is measured or configured: a typical camera. */
export const NOMINAL_FRAME_RATE = 30;

export interface FrameError {
  seq: number;
  header?: Header;
  /** Short machine-readable reason, used to count errors by kind (e.g. "unsupported_encoding"). */
  reason: string;
  /** A sentence naming the frame, what was wrong and what to do. */
  message: string;
}

export interface PipelineStats {
  received: number;
  processed: number;
  dropped: number;
  errors: number;
  errorsByReason: Record<string, number>;
  /**
   * Dropped frames by reason: "behind" (a newer frame won the queue), "closing" (arrived or
   * waited while the pipeline closed), "timeout" (unfinished when close gave up),
   * "worker_crashed" (in the worker when it crashed), "worker_restarting" (arrived while a
   * crashed worker restarted). Optional: a pipeline double may count drops without reasons.
   */
  droppedByReason?: Record<string, number>;
  /** Frames accepted and waiting for the worker right now (at most the queue capacity). */
  waiting: number;
  /** Frames in the worker right now (0 or 1). */
  inFlight: number;
  /**
   * Event input, once a packet arrived: there the frames counted above are windows of sensor
   * time (received = windows formed), and these count the packets and events beneath them.
   */
  events?: EventStreamStats;
}

export interface EventStreamStats {
  packets: number;
  /** Packets that could not be read at all (CDR, unknown encoding, big-endian): skipped. */
  badPackets: number;
  /** Packet problems met, by reason (src/events' PROBLEM_REASONS, deserialize_failed, …). */
  problemsByReason: Record<string, number>;
  /** CD events decoded. */
  events: number;
  /** Events the decoder dropped (addresses out of range, …) or that came late (before the open window). */
  eventsDropped: number;
  /** Events inside windows that were dropped whole. */
  eventsInDroppedWindows: number;
  /** Windows dropped whole, by reason: "behind" (the engine fell behind; newer windows won), "closing". */
  windowsDropped: Record<string, number>;
  /** Empty windows of long silences that were skipped, not classified. */
  windowsSkipped: number;
}

/** How an event stream is cut into windows and read (PipelineOptions.events). */
export interface EventInputOptions {
  /**
   * Sensor time per classification, ms: one result per window. A whole number of ticks of dt.
   * Default: the model's timesteps · dt (4 ms for moving-fashion-srnn).
   */
  windowMs?: number;
  /** Sensor pixels read (default: the model's roi, else centred on the sensor). */
  roi?: { x: number; y: number; width: number; height: number };
  /** Integer down-sampling of the ROI (default: the model's, 1 for delta models). */
  downsample?: number;
  /** Empty windows classified in a row before the rest of a silence is skipped. Default 1000. */
  maxEmptyWindows?: number;
}

export interface Pipeline {
  /**
   * Hand a frame over; never blocks on ticks. The pixel bytes are transferred to the worker
   * when the array owns its whole ArrayBuffer (the caller's array is then detached), unless
   * the pipeline was created with `transfer: false`. After close() a pushed frame is counted
   * as dropped.
   */
  push(frame: FrameInput): void;
  readonly results$: Observable<ClassificationResult>;
  readonly errors$: Observable<FrameError>;
  stats(): PipelineStats;
  /** Resolves once the worker has loaded the model; rejects with the reason if it cannot. */
  ready(): Promise<PipelineInfo>;
  /**
   * Resolves when one more frame can be pushed without displacing a waiting one. A source that
   * must not lose frames (bag replay as fast as possible) awaits this before each push.
   */
  capacityAvailable(): Promise<void>;
  /**
   * Finish the frames already accepted (or count them as dropped), then stop the worker.
   * `drain: false` counts the waiting frames as dropped and only finishes the one in flight;
   * after `timeoutMs` whatever is still unfinished is counted as dropped and the worker stopped.
   */
  close(options?: CloseOptions): Promise<void>;
  /** Crashes and restarts of the worker thread; optional for pipelines without one. */
  readonly workerEvents$?: Observable<WorkerEvent>;
}

/**
 * What happened to the pipeline's worker thread (Pipeline.workerEvents$). "crashed": it died
 * (reason: why, in one line), its frames in flight were dropped, and another starts after
 * restartInMs (the backoff, grown with `consecutive` crashes with no frame finished between).
 * "restarted": a new worker has loaded the same model and takes frames again.
 */
export type WorkerEvent =
  | {
      type: "crashed";
      reason: string;
      framesDropped: number;
      consecutive: number;
      restartInMs: number;
    }
  | { type: "restarted"; restarts: number; info: PipelineInfo };

export interface CloseOptions {
  /** Default true. */
  drain?: boolean;
  /** Default: no limit. */
  timeoutMs?: number;
}

/** When to stop ticking a frame early: minTicks, margin, holdTicks (see src/decode/early-exit.ts). */
export type { EarlyExitOptions } from "../decode/early-exit.js";

export type PresentationMode = "reset" | "continuous";

export interface PipelineOptions {
  /** A model directory (model.json + weights.bin). */
  model: string;
  /** Ticks per frame in reset mode, and the nominal ticks in continuous mode. Default: the model's. */
  timesteps?: number;
  /**
   * Simulation step in seconds. Default: the model's. Time constants stay in seconds, so the
   * neurons behave the same in simulated time; a frame of `timesteps` ticks then lasts timesteps·dt.
   */
  dt?: number;
  /** Default: the model's presentation mode. */
  presentation?: PresentationMode;
  /**
   * Continuous mode: a frame gets round(stamp delta / dt) ticks, clamped to [minTicks, maxTicks].
   * Defaults: 1 and the nominal timesteps.
   */
  continuous?: { minTicks?: number; maxTicks?: number };
  /** Replaces the model's input encoder (e.g. `{ type: "poisson", max_rate: 200 }`). */
  encoder?: ModelSpecInput["input"]["encoder"];
  /** Stop ticking once the winner is clear; default off (every frame gets all its ticks). */
  earlyExit?: EarlyExitOptions | false;
  /** Hardware profile name for the energy estimate (src/power/profiles.json). Default "cmos45-horowitz". */
  powerProfile?: string;
  /** Extra or overriding hardware profiles (users' own). */
  profiles?: HardwareProfile[];
  /** Classes listed in each result's topK. Default 5 (at most the number of classes). */
  topK?: number;
  /** Frames with more pixels are refused with reason "too_large". Default 7680 × 4320. */
  maxImagePixels?: number;
  /** Frames that may wait while one is in the worker; the newest win. Default 1. */
  queueCapacity?: number;
  /** Window over which "frames per second actually processed" is measured for power. Default 2000. */
  rateWindowMs?: number;
  /**
   * The rate the camera or replay is set to, Hz: power is taken at it until two frames have been
   * processed and a rate can be measured. Default: NOMINAL_FRAME_RATE.
   */
  frameRate?: number;
  /**
   * Decodes `kind: "serialized"` frames (CDR bytes), e.g. `codecFor(type).decode` from
   * src/messages. Runs on the calling thread when the frame is handed to the worker (never for
   * frames dropped before that). Without it, serialized frames are refused ("no_deserializer").
   */
  deserialize?: (type: InputMessageType, bytes: Uint8Array) => InputMessage;
  /** Default true: pixel arrays that own their buffer are moved to the worker, not copied. */
  transfer?: boolean;
  /**
   * Event input (event_camera_msgs/msg/EventPacket frames): windows of sensor time, ROI and
   * down-sampling. Presentation `continuous` carries the network across windows (a result every
   * window), `reset` clears it per window (evaluation).
   */
  events?: EventInputOptions;
  /**
   * Heap limit of the worker thread, MiB (its old generation): a model that runs away with
   * memory then crashes the worker, which is restarted, instead of the process. Default: Node's.
   */
  workerMaxHeapMb?: number;
  /** How restarts after repeated worker crashes back off (worker-host.ts). */
  restartBackoff?: { initialMs?: number; maxMs?: number };
}

/** What a loaded pipeline runs. */
export interface PipelineInfo {
  modelName: string;
  labels: string[];
  /** [C, H, W] */
  inputShape: [number, number, number];
  dt: number;
  timesteps: number;
  presentation: PresentationMode;
  encoder: string;
  powerProfile: string;
  /** Layers of the network and their neurons, in model order. */
  neurons: number;
  /**
   * How event windows are read: their length (ns of sensor time), ticks, and whether the model
   * takes counts ("events" encoder) or delta-encoder currents; null when it reads frames only.
   */
  events?: { windowNs: number; ticks: number; reads: "counts" | "delta" } | null;
}
