/**
 * The pipeline benchmark: synthetic camera frames at a fixed rate through the whole pipeline
 * (deserialize → preprocess → encode → engine → readout → power, engine in its worker), as
 * `spikenode bench --pipeline` runs it. Measures what a camera user sees: frames in, processed,
 * dropped, latency from a frame's arrival to its result, CPU use and resident memory.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { energyRatio, ratioPhrase } from "../power/index.js";
import { parseEarlyExit } from "../decode/early-exit.js";
import { createPipeline } from "./pipeline.js";
import {
  SYNTHETIC_ENCODINGS,
  SyntheticCamera,
  type SyntheticEncoding,
} from "./synthetic-camera.js";
import type {
  ClassificationResult,
  EarlyExitOptions,
  PipelineOptions,
  StageTimings,
} from "./types.js";

export interface PipelineBenchOptions {
  model: string;
  width: number;
  height: number;
  encoding: SyntheticEncoding;
  fps: number;
  frames: number;
  /** Frames at the start left out of the latency figures (JIT warm-up). Default min(30, frames/10). */
  warmup?: number;
  /** Frames after which resident memory is sampled. Default [1000, 10000] (those within the run). */
  memoryAt?: number[];
  /** Passed through to the pipeline (presentation, timesteps, encoder, queueCapacity, ...). */
  pipeline?: Omit<PipelineOptions, "model">;
  /** Called after each result (progress display). */
  onResult?: (result: ClassificationResult, done: number) => void;
}

export interface PipelineBenchReport {
  benchmark: "pipeline";
  model: string;
  machine: { cpu: string; cores: number; node: string; platform: string };
  config: {
    width: number;
    height: number;
    encoding: string;
    fps: number;
    frames: number;
    warmup: number;
    presentation: string;
    timesteps: number;
    encoder: string;
    queueCapacity: number;
    earlyExit: EarlyExitOptions | false;
  };
  framesIn: number;
  processed: number;
  dropped: number;
  errors: number;
  errorsByReason: Record<string, number>;
  wallSeconds: number;
  /** Results per second over the run. */
  processedFps: number;
  /** Arrival → result, ms, over the frames after warm-up. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Mean per stage, ms, over the frames after warm-up. */
  stageMeanMs: StageTimings;
  /** Both threads: user + system CPU time over wall time (1.0 = one core busy). */
  cpu: { userSeconds: number; systemSeconds: number; cores: number };
  memory: {
    samples: { frame: number; rssMiB: number; heapUsedMiB: number }[];
    /** Change of RSS from the first to the last sample, percent (null with fewer than 2). */
    rssGrowthPercent: number | null;
  };
  energy: {
    profile: string;
    unit: string;
    energyPerFrameMean: number;
    powerAtEnd: number;
    /** The profile's ANN of the same shape ("fp32 ANN"), its mean energy per frame and the ratio. */
    annLabel: string;
    annEnergyPerFrameMean: number;
    /** annEnergyPerFrameMean / energyPerFrameMean (> 1: spiking is cheaper), and in words. */
    ratio: number;
    comparison: string;
    /** The profile's further ANNs (e.g. int8), the same way. */
    baselines: { name: string; energyPerFrameMean: number; ratio: number; comparison: string }[];
  };
  meanTimestepsUsed: number;
  targets: {
    sustainedFps: boolean;
    noDrops: boolean;
    p99Under33ms: boolean;
    /** null when the run did not reach two memory sample points. */
    memoryFlatWithin10Percent: boolean | null;
  };
}

const MiB = 1024 * 1024;

export async function benchPipeline(options: PipelineBenchOptions): Promise<PipelineBenchReport> {
  const { frames, fps } = options;
  if (!Number.isInteger(frames) || frames < 1) {
    throw new RangeError(`bench --pipeline: --frames must be a positive integer (got ${frames}).`);
  }
  if (!(fps > 0)) throw new RangeError(`bench --pipeline: --fps must be positive (got ${fps}).`);
  const warmup = options.warmup ?? Math.min(30, Math.floor(frames / 10));
  const memoryAt = (options.memoryAt ?? [1000, 10000]).filter((f) => f >= 1 && f <= frames);

  const camera = new SyntheticCamera({
    width: options.width,
    height: options.height,
    encoding: options.encoding,
    fps,
  });
  const pipeline = createPipeline({ ...options.pipeline, model: options.model });
  let info;
  try {
    info = await pipeline.ready();
  } catch (err) {
    await pipeline.close({ drain: false, timeoutMs: 1000 });
    throw usage(`the model could not be loaded: ${(err as Error).message}`);
  }

  const latency = new Float64Array(frames);
  const stageSums: StageTimings = {
    queue: 0,
    decode: 0,
    preprocess: 0,
    encode: 0,
    engine: 0,
    readout: 0,
    power: 0,
    total: 0,
  };
  let measured = 0;
  let done = 0;
  let energySum = 0;
  let annSum = 0;
  const baselineSums = new Map<string, number>();
  let ticksSum = 0;
  let last: ClassificationResult | undefined;
  const firstError: string[] = [];
  pipeline.errors$.subscribe((e) => {
    if (firstError.length === 0) firstError.push(e.message);
  });
  pipeline.results$.subscribe((r) => {
    done += 1;
    last = r;
    energySum += r.energy.energyPerFrame;
    annSum += r.energy.annEnergyPerFrame;
    for (const b of r.energy.baselines ?? [])
      baselineSums.set(b.name, (baselineSums.get(b.name) ?? 0) + b.energyPerFrame);
    ticksSum += r.timestepsUsed;
    if (r.seq >= warmup) {
      latency[measured] = r.timings.total;
      measured += 1;
      for (const key of Object.keys(stageSums) as (keyof StageTimings)[]) {
        stageSums[key] += r.timings[key];
      }
    }
    options.onResult?.(r, done);
  });

  const memory: PipelineBenchReport["memory"]["samples"] = [];
  const period = 1000 / fps;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    const due = t0 + i * period;
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    pipeline.push({ kind: "image", message: camera.frame(i) });
    if (memoryAt.includes(i + 1)) {
      const m = process.memoryUsage();
      memory.push({ frame: i + 1, rssMiB: m.rss / MiB, heapUsedMiB: m.heapUsed / MiB });
    }
  }
  await pipeline.close();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = pipeline.stats();

  if (stats.processed === 0) {
    throw new Error(
      `bench --pipeline: no frame was classified (${stats.errors} errors` +
        `${firstError.length ? `, first: ${firstError[0]}` : ""}).`,
    );
  }
  const lat = latency.subarray(0, measured).sort();
  const q = (p: number): number =>
    lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)];
  const stageMeanMs = { ...stageSums };
  for (const key of Object.keys(stageMeanMs) as (keyof StageTimings)[]) {
    stageMeanMs[key] = measured ? stageSums[key] / measured : NaN;
  }
  const growth =
    memory.length >= 2
      ? (100 * (memory[memory.length - 1].rssMiB - memory[0].rssMiB)) / memory[0].rssMiB
      : null;
  const processedFps = stats.processed / wall;
  const p99 = q(0.99);
  const annLabel = last?.energy.annLabel ?? "ANN";
  return {
    benchmark: "pipeline",
    model: options.model,
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
    },
    config: {
      width: options.width,
      height: options.height,
      encoding: options.encoding,
      fps,
      frames,
      warmup,
      presentation: info.presentation,
      timesteps: info.timesteps,
      encoder: info.encoder,
      queueCapacity: options.pipeline?.queueCapacity ?? 1,
      earlyExit: options.pipeline?.earlyExit ?? false,
    },
    framesIn: stats.received,
    processed: stats.processed,
    dropped: stats.dropped,
    errors: stats.errors,
    errorsByReason: stats.errorsByReason,
    wallSeconds: wall,
    processedFps,
    latencyMs: {
      p50: q(0.5),
      p90: q(0.9),
      p99,
      max: lat.length ? lat[lat.length - 1] : NaN,
      mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : NaN,
    },
    stageMeanMs,
    cpu: {
      userSeconds: cpu.user / 1e6,
      systemSeconds: cpu.system / 1e6,
      cores: (cpu.user + cpu.system) / 1e6 / wall,
    },
    memory: { samples: memory, rssGrowthPercent: growth },
    energy: {
      profile: last?.energy.profile ?? info.powerProfile,
      unit: last?.energy.unit ?? "J",
      energyPerFrameMean: energySum / stats.processed,
      powerAtEnd: last?.energy.power ?? 0,
      annLabel,
      annEnergyPerFrameMean: annSum / stats.processed,
      ratio: energyRatio(annSum, energySum),
      comparison: ratioPhrase(energyRatio(annSum, energySum), `the ${annLabel}`),
      baselines: [...baselineSums].map(([name, sum]) => ({
        name,
        energyPerFrameMean: sum / stats.processed,
        ratio: energyRatio(sum, energySum),
        comparison: ratioPhrase(energyRatio(sum, energySum), `the ${name}`),
      })),
    },
    meanTimestepsUsed: ticksSum / stats.processed,
    targets: {
      sustainedFps: stats.processed === frames && processedFps >= fps * 0.98,
      noDrops: stats.dropped === 0 && stats.errors === 0,
      p99Under33ms: p99 < 33,
      memoryFlatWithin10Percent: growth === null ? null : Math.abs(growth) <= 10,
    },
  };
}

/** The report as a few human-readable lines. */
export function formatPipelineBench(r: PipelineBenchReport): string {
  const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
  const s = r.stageMeanMs;
  const lines = [
    `pipeline benchmark: ${r.model} (${r.config.presentation}, T=${r.config.timesteps}, ${r.config.encoder})`,
    `  camera   ${r.config.width}x${r.config.height} ${r.config.encoding} at ${r.config.fps} fps, ${r.config.frames} frames (${r.config.warmup} warm-up)`,
    `  frames   in ${r.framesIn}, processed ${r.processed}, dropped ${r.dropped}, errors ${r.errors}; ${f(r.processedFps, 1)} fps over ${f(r.wallSeconds, 1)} s`,
    `  latency  p50 ${f(r.latencyMs.p50)} ms, p90 ${f(r.latencyMs.p90)} ms, p99 ${f(r.latencyMs.p99)} ms, max ${f(r.latencyMs.max)} ms (arrival to result)`,
    `  stages   queue ${f(s.queue)}, decode ${f(s.decode)}, preprocess ${f(s.preprocess)}, encode ${f(s.encode)}, engine ${f(s.engine)}, readout ${f(s.readout)}, power ${f(s.power)} ms (means)`,
    `  cpu      ${f(r.cpu.cores)} cores busy (user ${f(r.cpu.userSeconds, 1)} s, system ${f(r.cpu.systemSeconds, 1)} s)`,
    `  memory   ${r.memory.samples.map((m) => `rss ${f(m.rssMiB, 1)} MiB at frame ${m.frame}`).join(", ") || "no sample point reached"}` +
      (r.memory.rssGrowthPercent === null ? "" : ` (${f(r.memory.rssGrowthPercent, 1)}%)`),
    `  energy   ${r.energy.energyPerFrameMean.toExponential(3)} ${r.energy.unit}/frame (${r.energy.profile}), ${f(r.meanTimestepsUsed, 1)} ticks/frame; ` +
      [r.energy, ...r.energy.baselines].map((b) => b.comparison).join("; "),
    `  targets  fps ${ok(r.targets.sustainedFps)}, no drops ${ok(r.targets.noDrops)}, p99 < 33 ms ${ok(r.targets.p99Under33ms)}, memory flat ${ok(r.targets.memoryFlatWithin10Percent)}`,
    `  machine  ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}`,
  ];
  return lines.join("\n");
}

function ok(v: boolean | null): string {
  return v === null ? "n/a" : v ? "met" : "MISSED";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `spikenode bench --pipeline` options as commander hands them over (strings or numbers). */
export interface PipelineBenchCliOptions {
  model?: string;
  width?: string | number;
  height?: string | number;
  encoding?: string;
  fps?: string | number;
  frames?: string | number;
  warmup?: string | number;
  presentation?: string;
  timesteps?: string | number;
  queue?: string | number;
  /** "margin:hold[:min]", e.g. "1:10" (src/decode/early-exit.ts parseEarlyExit); absent = every frame gets all its ticks. */
  earlyExit?: string;
  json?: boolean;
}

/** One clear line for the CLI (src/cli/fatal.ts prints errors marked userFacing without a stack). */
function usage(message: string): Error {
  return Object.assign(new Error(`bench --pipeline: ${message}`), { userFacing: true });
}

function integer(
  name: string,
  value: string | number | undefined,
  fallback: number,
  min = 1,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw usage(`--${name} must be an integer >= ${min} (got ${JSON.stringify(value)})`);
  }
  return n;
}

/**
 * Run the benchmark from CLI options and print it (JSON with --json, else a few lines);
 * defaults: 640×480 rgb8 at 30 fps, 1000 frames.
 */
export async function runPipelineBench(
  options: PipelineBenchCliOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<PipelineBenchReport> {
  if (!options.model) {
    throw usage("--model <dir> is required (a model directory with model.json and weights.bin)");
  }
  const encoding = options.encoding ?? "rgb8";
  if (!(SYNTHETIC_ENCODINGS as readonly string[]).includes(encoding)) {
    throw usage(
      `--encoding ${JSON.stringify(encoding)} is not one of ${SYNTHETIC_ENCODINGS.join(", ")}`,
    );
  }
  const fps = options.fps === undefined ? 30 : Number(options.fps);
  if (!(fps > 0) || !Number.isFinite(fps)) {
    throw usage(`--fps must be a positive number (got ${JSON.stringify(options.fps)})`);
  }
  const presentation = options.presentation;
  if (presentation !== undefined && presentation !== "reset" && presentation !== "continuous") {
    throw usage(`--presentation must be reset or continuous (got ${JSON.stringify(presentation)})`);
  }
  const frames = integer("frames", options.frames, 1000);
  let earlyExit: EarlyExitOptions | false = false;
  if (options.earlyExit !== undefined) {
    try {
      earlyExit = parseEarlyExit(options.earlyExit);
    } catch (err) {
      throw usage((err as Error).message);
    }
  }
  const report = await benchPipeline({
    model: options.model,
    width: integer("width", options.width, 640),
    height: integer("height", options.height, 480),
    encoding: encoding as SyntheticEncoding,
    fps,
    frames,
    warmup: options.warmup === undefined ? undefined : integer("warmup", options.warmup, 0, 0),
    pipeline: {
      presentation,
      timesteps:
        options.timesteps === undefined ? undefined : integer("timesteps", options.timesteps, 1),
      queueCapacity: integer("queue", options.queue, 1),
      earlyExit,
    },
  });
  out.write(options.json ? `${JSON.stringify(report)}\n` : `${formatPipelineBench(report)}\n`);
  return report;
}
