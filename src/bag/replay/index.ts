/**
 * Bag replay: every image of a recorded topic through the spiking pipeline in the model's own
 * presentation (reset: a frame's result depends only on the frame; continuous: one long
 * simulation, state carried from frame to frame, each frame ticked for its stamp interval up to
 * presentation.timesteps), unless `presentation` overrides it; the results written into an
 * output bag beside the images, stamped with each image's header and log time.
 *
 *   const summary = await replayBag({
 *     bag: "recording/", model: "models/fashion-mnist-lif", out: "out/replayed",
 *     onFrame: (f) => console.log(f.index, f.result?.className ?? f.error?.reason),
 *   });
 *
 * No frame is dropped: the reader waits for room in the pipeline's queue before each push, as
 * fast as possible by default, or paced at `rate`× the recorded speed.
 */
import { performance } from "node:perf_hooks";
import { readdir, rm, rmdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Subscription } from "rxjs";
import {
  LABEL_INFO_TYPE,
  labelInfoMessage,
  RESULT_OUTPUT_TYPES,
  RESULT_OUTPUTS,
  resultMessages,
} from "../../messages/results.js";
import { createPipeline } from "../../stream/index.js";
import type {
  ClassificationResult,
  EarlyExitOptions,
  FrameError,
  Pipeline,
  PipelineInfo,
  PipelineOptions,
  InputMessage,
  InputMessageType,
  PresentationMode,
} from "../../stream/types.js";
import type { ChunkCompression } from "../compression.js";
import { McapBagWriter, type BagWriteSummary } from "../mcap-writer.js";
import { openBag } from "../open.js";
import { RECORDED_LATCHED_QOS, RECORDED_RELIABLE_QOS } from "../qos.js";
import { nanosecondsToStamp } from "../time.js";
import type { BagMessage, BagReader } from "../types.js";
import { damageFigures } from "./damage.js";
import { ReplayError } from "./errors.js";
import { findLabels, type TrueLabels } from "./labels.js";
import { ReplayTally, type ReplaySummary } from "./summary.js";
import { chooseImageTopic } from "./topic.js";
import { EVENT_PACKET_TYPE, EventReplayRun } from "./event-run.js";

export { ReplayError, type ReplayErrorCode } from "./errors.js";
export type { AccuracyFigures, EnergyFigures, LatencyFigures, ReplaySummary } from "./summary.js";
export { chooseImageTopic, imageTypeOf } from "./topic.js";
export { findLabels, readLabels, type TrueLabels } from "./labels.js";

/** Topics the replay writes beside the source image topic. */
export const REPLAY_TOPICS = {
  classification: "/spikenode/classification",
  spikeClassification: "/spikenode/spike_classification",
  power: "/spikenode/power",
  labelInfo: "/spikenode/label_info",
} as const;

export interface ReplayOptions {
  /** A .mcap or .db3 file, or a rosbag2 directory. */
  bag: string;
  /** Model directory (model.json + weights.bin), or a NIR file (.nir, imported at pipeline.dt). */
  model: string;
  /** Output bag: a directory (preferred, as `ros2 bag record -o` makes) or a path ending in .mcap. Default `defaultOutputPath(bag)`. */
  out?: string;
  /** Replace an existing output bag. */
  overwrite?: boolean;
  /** The image topic; needed only when the bag has several. */
  topic?: string;
  /** Pace at `rate`× the recorded speed (> 0); undefined = as fast as possible. */
  rate?: number;
  /** Ticks per frame (reset), nominal ticks (continuous). Default: the model's presentation.timesteps. */
  timesteps?: number;
  /** Stop a frame once the winner is clear (src/decode/early-exit.ts). Default off. */
  earlyExit?: EarlyExitOptions | false;
  /**
   * Further pipeline settings, as the node's parameters set them (`spikenode run` without ROS 2
   * passes its -p values here): dt, encoder, frame size limit. See src/stream/types.ts.
   */
  pipeline?: Pick<PipelineOptions, "dt" | "encoder" | "maxImagePixels" | "events">;
  /** Every class's score and output spike count in /spikenode/spike_classification. Default true. */
  publishScores?: boolean;
  /**
   * reset or continuous; default the model's presentation.mode (a stream model such as
   * moving-fashion-srnn only works continuous, a frame classifier is evaluated reset).
   */
  presentation?: PresentationMode;
  /** Replay only the first `limit` images. */
  limit?: number;
  /** Hypotheses per vision_msgs/Classification, best first. Default: every class. */
  topK?: number;
  /** Hardware profile for the energy estimate. */
  powerProfile?: string;
  /** A labels file giving the true classes; default: looked for beside the bag. */
  labels?: string;
  /** Chunk compression of the output bag. Default zstd. */
  compression?: ChunkCompression;
  /** Frames that may wait for the worker; the reader waits when they are all taken. Default 1 (more only adds queueing latency: the worker is never idle with one waiting). */
  queueCapacity?: number;
  /** Called once the model is loaded and the output bag created. */
  onStart?: (start: ReplayStart) => void;
  /** Called for every frame as its outcome arrives, in frame order. */
  onFrame?: (frame: ReplayFrame) => void;
  /** Stops reading more frames; the frames already accepted are finished and written. */
  signal?: AbortSignal;
}

export interface ReplayStart {
  bag: string;
  topic: string;
  type: InputMessageType;
  /** Frames that will be replayed (the topic's count, capped by limit; may be fewer if the bag is damaged). */
  frames: number;
  model: PipelineInfo;
  /** The output bag path. */
  output: string;
  labels?: TrueLabels;
}

export interface ReplayFrame {
  /** Position of the image on its topic, from 0. */
  index: number;
  /** Frames expected in all (see ReplayStart.frames). */
  total: number;
  /** Log time of the image relative to the first replayed image, seconds. */
  offsetSec: number;
  result?: ClassificationResult;
  error?: FrameError;
  /** The true class, when a labels file gives it. */
  trueClass?: number;
}

/** Where `spikenode replay` writes by default: out/<bag name>_spikenode_<local time> under the working directory. */
export function defaultOutputPath(bag: string, now = new Date()): string {
  const name = basename(bag.replace(/[/\\]+$/, "")).replace(/\.(mcap|db3)$/, "") || "bag";
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp =
    `${now.getFullYear()}_${p(now.getMonth() + 1)}_${p(now.getDate())}-` +
    `${p(now.getHours())}_${p(now.getMinutes())}_${p(now.getSeconds())}`;
  return join("out", `${name}_spikenode_${stamp}`);
}

function checkOptions(o: ReplayOptions): void {
  if (o.rate !== undefined && !(Number.isFinite(o.rate) && o.rate > 0)) {
    throw new ReplayError(
      "bad_option",
      `--rate ${o.rate}: give a speed factor > 0 (1 = recorded speed), or leave it out to replay as fast as possible`,
    );
  }
  if (
    o.presentation !== undefined &&
    o.presentation !== "reset" &&
    o.presentation !== "continuous"
  ) {
    throw new ReplayError(
      "bad_option",
      `--presentation ${String(o.presentation)}: give reset or continuous, or leave it out to use the model's`,
    );
  }
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1)) {
    throw new ReplayError("bad_option", `--limit ${o.limit}: give a whole number of frames >= 1`);
  }
  if (o.timesteps !== undefined && !(Number.isInteger(o.timesteps) && o.timesteps >= 1)) {
    throw new ReplayError(
      "bad_option",
      `--timesteps ${o.timesteps}: give a whole number of ticks >= 1, or leave it out for the model's`,
    );
  }
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1)) {
    throw new ReplayError("bad_option", `--top-k ${o.topK}: give a whole number >= 1`);
  }
  if (
    o.queueCapacity !== undefined &&
    !(Number.isInteger(o.queueCapacity) && o.queueCapacity >= 1)
  ) {
    throw new ReplayError(
      "bad_option",
      `queueCapacity ${o.queueCapacity}: give a whole number >= 1`,
    );
  }
}

async function checkModel(model: string): Promise<void> {
  // A .nir file is imported by the pipeline's worker (src/nir/model-source.ts).
  const nir = /\.nir$/i.test(model);
  const file = model.endsWith(".json") || nir ? model : join(model, "model.json");
  try {
    if ((await stat(file)).isFile()) return;
  } catch {
    // reported below
  }
  throw new ReplayError(
    "model",
    nir
      ? `model ${model} not found: there is no such NIR file; pass --model FILE.nir, a NIR graph as nir.write saves it`
      : `model ${model} not found: there is no ${file}; pass --model DIR, a directory with model.json and weights.bin (or a .nir file)`,
  );
}

/**
 * Frames per second a paced replay feeds: the bag's recorded rate times --rate (power is taken at
 * it until a rate is measured); undefined when unpaced or the bag gives no span.
 */
function pacedFrameRate(bag: BagReader, frames: number, rate: number | undefined) {
  if (!rate || frames < 2 || bag.startTime === undefined || bag.endTime === undefined)
    return undefined;
  const span = Number(bag.endTime - bag.startTime) / 1e9;
  return span > 0 ? ((frames - 1) / span) * rate : undefined;
}

/** Windows an event topic will give: its recorded span over the window, plus the last one. */
function eventWindowsExpected(bag: BagReader, windowNs: number): number {
  if (bag.startTime === undefined || bag.endTime === undefined) return 1;
  return Math.max(1, Math.floor(Number(bag.endTime - bag.startTime) / windowNs) + 1);
}

async function startPipeline(
  options: ReplayOptions,
  deserialize: (b: Uint8Array) => InputMessage,
  frameRate: number | undefined,
  events = false,
) {
  const pipeline = createPipeline({
    ...options.pipeline,
    model: options.model,
    frameRate,
    presentation: options.presentation,
    timesteps: options.timesteps,
    earlyExit: options.earlyExit ?? false,
    powerProfile: options.powerProfile,
    // A packet may close a silence's windows at once: the queue holds them all (none dropped).
    queueCapacity: events
      ? Math.max(
          options.queueCapacity ?? 1,
          (options.pipeline?.events?.maxEmptyWindows ?? 1000) + 2,
        )
      : (options.queueCapacity ?? 1),
    // The source bytes are written to the output bag after their result arrives, so the
    // pipeline must copy the pixels rather than take the buffer.
    transfer: false,
    deserialize: (_type, bytes) => deserialize(bytes),
  });
  try {
    return { pipeline, info: await pipeline.ready() };
  } catch (err) {
    await pipeline.close({ drain: false }).catch(() => undefined);
    throw new ReplayError(
      "model",
      `model ${options.model} cannot be loaded: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** Removes an output bag this replay created but could not fill. */
async function discardOutput(
  summary: BagWriteSummary,
  dir: string | undefined,
  dirExisted: boolean,
): Promise<void> {
  await rm(summary.file, { force: true });
  if (summary.metadataFile) await rm(summary.metadataFile, { force: true });
  if (dir !== undefined && !dirExisted) {
    try {
      if ((await readdir(dir)).length === 0) await rmdir(dir);
    } catch {
      // leave it
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Replays the image topic of a bag through the pipeline into an output bag. Throws BagError or
 * ReplayError (both user-facing, one line) when nothing could be replayed; frames that are bad
 * are counted in the summary and the rest classified.
 */
export async function replayBag(options: ReplayOptions): Promise<ReplaySummary> {
  checkOptions(options);
  const bag = await openBag(options.bag);
  try {
    return await replayOpened(bag, options);
  } finally {
    await bag.close();
  }
}

async function replayOpened(bag: BagReader, options: ReplayOptions): Promise<ReplaySummary> {
  const topic = chooseTopicOrDamage(bag, options.topic);
  if (topic.count === 0 && bag.problems.length === 0) throw noFrames(bag, topic.name);
  const codec = bag.codecFor(topic.name);
  const notes = [...bag.notes];
  const labels = await findLabels(bag.path, topic.name, options.labels, notes);
  await checkModel(options.model);
  const total = options.limit === undefined ? topic.count : Math.min(topic.count, options.limit);

  const isEvents = topic.imageType === EVENT_PACKET_TYPE;
  const { pipeline, info } = await startPipeline(
    options,
    (bytes) => codec.decode(bytes) as InputMessage,
    isEvents ? undefined : pacedFrameRate(bag, topic.count, options.rate),
    isEvents,
  );
  if (isEvents && !info.events) {
    await pipeline.close({ drain: false }).catch(() => undefined);
    throw new ReplayError(
      "model",
      `${topic.name} carries event-camera packets but model ${options.model} reads frames (its encoder is "${info.encoder}"); replay it with a model whose input encoder is "events" (or a one-channel "delta")`,
    );
  }
  // Event topics: results come per window of sensor time, not per message.
  const expected =
    isEvents && info.events ? eventWindowsExpected(bag, info.events.windowNs) : total;
  if (labels?.classes && labels.classes.join("\n") !== info.labels.join("\n")) {
    notes.push(
      `${basename(labels.file)} names the classes ${labels.classes.join(", ")}; the model's are ${info.labels.join(", ")}; accuracy compares class indices`,
    );
  }

  const outPath = options.out ?? defaultOutputPath(bag.path);
  const outDir = outPath.endsWith(".mcap") ? undefined : outPath;
  const outDirExisted = outDir !== undefined && (await exists(outDir));
  let writer: McapBagWriter;
  try {
    writer = await McapBagWriter.create(outPath, {
      compression: options.compression ?? "zstd",
      overwrite: options.overwrite,
    });
    await writer.addTopic({
      name: topic.name,
      type: topic.imageType,
      qos: topic.qos.length > 0 ? topic.qos : undefined,
      schemaText: topic.schema?.encoding === "ros2msg" ? topic.schema.text : undefined,
    });
    await writer.addTopic({
      name: REPLAY_TOPICS.labelInfo,
      type: LABEL_INFO_TYPE,
      qos: [RECORDED_LATCHED_QOS],
    });
    for (const output of RESULT_OUTPUTS) {
      await writer.addTopic({
        name: REPLAY_TOPICS[output],
        type: RESULT_OUTPUT_TYPES[output],
        qos: [RECORDED_RELIABLE_QOS],
      });
    }
  } catch (err) {
    await pipeline.close({ drain: false }).catch(() => undefined);
    throw err;
  }

  options.onStart?.({
    bag: bag.path,
    topic: topic.name,
    type: topic.imageType,
    frames: expected,
    model: info,
    output: outPath,
    labels,
  });

  const run = isEvents
    ? new EventReplayRun(
        pipeline,
        writer,
        info,
        options,
        topic.name,
        { labelInfo: REPLAY_TOPICS.labelInfo, outputs: REPLAY_TOPICS },
        expected,
        labels,
      )
    : new ReplayRun(pipeline, writer, info, options, topic.name, topic.imageType, total, labels);
  let outcome: Awaited<ReturnType<ReplayRun["run"]>>;
  try {
    outcome = await run.run(bag);
  } catch (err) {
    await pipeline.close({ drain: false }).catch(() => undefined);
    await writer.close().catch(() => undefined);
    throw err;
  }
  const written = await writer.close();

  if (outcome.frames === 0) {
    await discardOutput(written, outDir, outDirExisted);
    const damage = bag.problems.find((p) => p.code === "truncated" || p.code === "corrupt");
    if (damage) {
      throw new ReplayError(
        "truncated",
        `${bag.path} ends before its first image on ${topic.name}: ${damage.message}`,
      );
    }
    throw noFrames(bag, topic.name);
  }

  const stats = pipeline.stats();
  const tally = run.tally;
  return {
    bag: bag.path,
    storage: bag.storage,
    topic: topic.name,
    type: topic.imageType,
    model: {
      path: options.model,
      name: info.modelName,
      labels: info.labels,
      timesteps: info.timesteps,
      dt: info.dt,
      encoder: info.encoder,
      presentation: info.presentation,
    },
    rate: options.rate ?? null,
    earlyExit: options.earlyExit || null,
    ticksPerFrame: tally.ticksPerFrame(),
    frames: outcome.frames,
    classified: stats.processed,
    dropped: stats.dropped,
    errors: stats.errors,
    errorsByReason: stats.errorsByReason,
    errorExamples: tally.errorExamples,
    latencyMs: tally.latency(),
    processingMs: tally.processingTime(),
    energy: tally.energy(),
    classHistogram: tally.classHistogram(),
    accuracy: tally.accuracy(labels?.file),
    wallSeconds: outcome.wallSeconds,
    framesPerSecond: outcome.wallSeconds > 0 ? outcome.frames / outcome.wallSeconds : 0,
    recordedSeconds: outcome.recordedSeconds,
    output: {
      path: outPath,
      file: written.file,
      metadataFile: written.metadataFile,
      messageCount: written.messageCount,
      topics: written.topics,
    },
    problems: [...bag.problems],
    ...(isEvents ? { events: stats.events } : {}),
    ...damageFigures(bag.problems, expected, outcome.frames, outcome.interrupted),
    expectedFrames: expected,
    notes,
    interrupted: outcome.interrupted,
  };
}

function noFrames(bag: BagReader, topic: string): ReplayError {
  return new ReplayError(
    "no_frames",
    `${topic} in ${bag.path} has no messages to classify; pick another topic or bag`,
  );
}

/**
 * The image topic; when the bag's readable part has none (or not the one asked for) and the bag
 * is damaged, the damage is the news: the topic was probably cut off.
 */
function chooseTopicOrDamage(bag: BagReader, wanted: string | undefined) {
  try {
    return chooseImageTopic(bag.path, bag.topics(), wanted);
  } catch (err) {
    const damage = bag.problems.find((p) => p.code === "truncated" || p.code === "corrupt");
    if (err instanceof ReplayError && err.code !== "ambiguous_topic" && damage) {
      throw new ReplayError(
        "truncated",
        `${bag.path} ends before its first image: ${damage.message} (${err.message})`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The frame loop: reads, paces, pushes; writes each frame's image and results as they come. */
class ReplayRun {
  readonly tally: ReplayTally;
  private readonly pending = new Map<number, BagMessage>();
  private firstLogTime: bigint | undefined;
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly pipeline: Pipeline,
    private readonly writer: McapBagWriter,
    private readonly info: PipelineInfo,
    private readonly options: ReplayOptions,
    private readonly topic: string,
    private readonly imageType: InputMessageType,
    private readonly total: number,
    private readonly labels: TrueLabels | undefined,
  ) {
    this.tally = new ReplayTally(info.labels);
    this.subscriptions.push(
      pipeline.results$.subscribe((r) => this.finish(r.seq, r, undefined)),
      pipeline.errors$.subscribe((e) => this.finish(e.seq, undefined, e)),
    );
  }

  async run(bag: BagReader): Promise<{
    frames: number;
    wallSeconds: number;
    recordedSeconds: number;
    interrupted: boolean;
  }> {
    const { options } = this;
    const rate = options.rate;
    const limit = options.limit ?? Infinity;
    let frames = 0;
    let interrupted = false;
    let wallStart = 0;
    let lastLogTime = 0n;
    const messages = bag.messages({ topics: [this.topic] });
    try {
      for await (const m of messages) {
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        if (this.writeError !== undefined) throw this.writeError;
        if (this.firstLogTime === undefined) {
          this.firstLogTime = m.logTime;
          wallStart = performance.now();
          // Once, before the first frame: players and late subscribers get the class map first.
          this.write(() =>
            this.writer.writeMessage(
              REPLAY_TOPICS.labelInfo,
              labelInfoMessage(this.info.labels, nanosecondsToStamp(m.logTime)),
              m.logTime,
            ),
          );
        }
        if (rate !== undefined) {
          const due = wallStart + Number(m.logTime - this.firstLogTime) / 1e6 / rate;
          const wait = due - performance.now();
          if (wait > 1) await sleep(wait);
        }
        await this.pipeline.capacityAvailable();
        // Bounds what the writer holds: finished frames are on disk before more are read.
        await this.writes;
        this.pending.set(frames, m);
        this.pipeline.push({ kind: "serialized", type: this.imageType, data: m.data });
        if (m.logTime > lastLogTime) lastLogTime = m.logTime;
        frames += 1;
        if (frames >= limit) break;
      }
    } finally {
      await messages.return?.(undefined);
      await this.pipeline.close();
      for (const s of this.subscriptions) s.unsubscribe();
    }
    const wallSeconds = frames > 0 ? (performance.now() - wallStart) / 1000 : 0;
    // Frames the pipeline never finished still belong in the output, in order.
    for (const seq of [...this.pending.keys()].sort((a, b) => a - b))
      this.finish(seq, undefined, undefined);
    await this.writes;
    if (this.writeError !== undefined) throw this.writeError;
    return {
      frames,
      wallSeconds,
      recordedSeconds:
        this.firstLogTime === undefined ? 0 : Number(lastLogTime - this.firstLogTime) / 1e9,
      interrupted,
    };
  }

  private write(task: () => Promise<void>): void {
    this.writes = this.writes.then(task).catch((err: unknown) => {
      this.writeError ??= err;
    });
  }

  /** One frame's outcome: the image, then its results, all at the image's log time. */
  private finish(seq: number, result?: ClassificationResult, error?: FrameError): void {
    const m = this.pending.get(seq);
    if (!m) return;
    this.pending.delete(seq);
    const trueClass = this.labels?.labels[seq];
    if (result) this.tally.addResult(result, trueClass);
    if (error) this.tally.addError(error);
    const { writer } = this;
    const topK = this.options.topK ?? this.info.labels.length;
    this.write(async () => {
      await writer.write(this.topic, m.data, m.logTime, m.publishTime);
      if (!result) return;
      const messages = resultMessages(result, {
        topK,
        withScores: this.options.publishScores ?? true,
      });
      for (const output of RESULT_OUTPUTS)
        await writer.writeMessage(
          REPLAY_TOPICS[output],
          messages[output],
          m.logTime,
          m.publishTime,
        );
    });
    this.options.onFrame?.({
      index: seq,
      total: this.total,
      offsetSec: Number(m.logTime - (this.firstLogTime ?? m.logTime)) / 1e9,
      result,
      error,
      trueClass,
    });
  }
}
