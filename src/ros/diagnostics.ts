/**
 * The node's health as diagnostic_msgs/DiagnosticStatus: counts, rates, latency, firing rates
 * and energy over a sliding window, and a level that means something:
 *
 * - ERROR: no working pipeline (the model failed to load, or the engine worker crashed and is
 *   not running again yet: the reason, the frames it dropped, the backoff), or bad frames
 *   dominate: more than half the frames finished in the window were errors (at least 3).
 * - WARN: more than 10% of the frames received in the window were dropped (the node cannot
 *   keep up), no frame arrived for 5 s (camera silent, wrong topic or incompatible QoS), some
 *   frames were refused, or a parameter change could not be applied.
 * - OK: otherwise.
 *
 * Pure apart from the clock it is given: the node feeds it results and asks for a report once
 * a second.
 */
import type { ClassificationResult, PipelineStats } from "../stream/types.js";

export const LEVEL = { OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const;
export type Level = (typeof LEVEL)[keyof typeof LEVEL];

export interface HealthThresholds {
  /** Sliding window for rates and fractions. */
  windowMs: number;
  /** WARN when no frame arrived for this long. */
  staleAfterMs: number;
  /** WARN when dropped / received in the window exceeds this. */
  dropWarnFraction: number;
  /** ERROR when errors / (processed + errors) in the window exceeds this... */
  errorFraction: number;
  /** ...and there were at least this many errors. */
  minErrorsForError: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  windowMs: 5000,
  staleAfterMs: 5000,
  dropWarnFraction: 0.1,
  errorFraction: 0.5,
  minErrorsForError: 3,
};

export interface HealthContext {
  /** Monotonic milliseconds. */
  now: number;
  /** Counts since the node started (summed over every pipeline it ran). */
  stats: PipelineStats;
  /** Set when no pipeline is working: the reason. */
  failure?: string;
  /** Set when the last parameter change could not be applied: the reason. */
  applyProblem?: string;
  /** Monotonic ms of the last frame received, or undefined if none yet. */
  lastFrameAt?: number;
  /** Resolved image topic, for messages. */
  topic: string;
  /** Static facts shown as values (model, profile, presentation...). */
  facts: Record<string, string>;
  /**
   * Set while the node takes no frames on purpose (a managed node that is not active): why.
   * Silence is then no warning, and this is the message when nothing else is wrong.
   */
  idle?: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface HealthReport {
  level: Level;
  message: string;
  values: KeyValue[];
}

interface CountSample {
  t: number;
  received: number;
  processed: number;
  dropped: number;
  errors: number;
  packets: number;
  events: number;
}

interface ResultSample {
  t: number;
  latencyMs: number;
  timesteps: number;
  energyPerFrame: number;
  power: number;
  ratio: number;
  unit: string;
  layerRates: number[];
}

const MAX_RESULT_SAMPLES = 4096;

export class HealthMonitor {
  private readonly counts: CountSample[] = [];
  private readonly results: ResultSample[] = [];

  constructor(
    private readonly startedAt: number,
    private readonly thresholds: HealthThresholds = DEFAULT_THRESHOLDS,
  ) {
    this.counts.push({
      t: startedAt,
      received: 0,
      processed: 0,
      dropped: 0,
      errors: 0,
      packets: 0,
      events: 0,
    });
  }

  onResult(result: ClassificationResult, now: number): void {
    this.results.push({
      t: now,
      latencyMs: result.timings.total,
      timesteps: result.timestepsUsed,
      energyPerFrame: result.energy.energyPerFrame,
      power: result.energy.power,
      ratio: result.energy.ratio,
      unit: result.energy.unit,
      layerRates: result.energy.layerRates,
    });
    if (this.results.length > MAX_RESULT_SAMPLES) this.results.shift();
  }

  report(ctx: HealthContext): HealthReport {
    const th = this.thresholds;
    const { now, stats } = ctx;
    const since = now - th.windowMs;
    this.counts.push({
      t: now,
      received: stats.received,
      processed: stats.processed,
      dropped: stats.dropped,
      errors: stats.errors,
      packets: stats.events?.packets ?? 0,
      events: stats.events?.events ?? 0,
    });
    // Keep the newest sample at or before the window's start as the baseline.
    while (this.counts.length > 2 && this.counts[1].t <= since) this.counts.shift();
    const base = this.counts[0];
    // Results belong to the window exactly when their frames are in its counts.
    while (this.results.length > 0 && this.results[0].t <= base.t) this.results.shift();
    const spanS = Math.max(1e-3, (now - base.t) / 1000);
    const received = stats.received - base.received;
    const processed = stats.processed - base.processed;
    const dropped = stats.dropped - base.dropped;
    const errors = stats.errors - base.errors;

    const warnings: string[] = [];
    const errorsFound: string[] = [];
    if (ctx.failure) errorsFound.push(ctx.failure);
    const finished = processed + errors;
    if (errors >= th.minErrorsForError && errors > th.errorFraction * finished) {
      errorsFound.push(
        `${errors} of ${finished} frames in the last ${fmt(spanS)} s were errors (${reasons(stats)})`,
      );
    } else if (errors > 0) {
      warnings.push(
        `${errors} of ${finished} frames in the last ${fmt(spanS)} s were refused (${reasons(stats)})`,
      );
    }
    if (received > 0 && dropped > th.dropWarnFraction * received) {
      warnings.push(
        `dropping ${Math.round((100 * dropped) / received)}% of frames (${dropped} of ${received} in ${fmt(spanS)} s): the classifier cannot keep up; lower timesteps, enable early_exit or reduce the camera rate`,
      );
    }
    const silentFor = now - (ctx.lastFrameAt ?? this.startedAt);
    if (silentFor >= th.staleAfterMs && ctx.idle === undefined) {
      warnings.push(
        ctx.lastFrameAt === undefined
          ? `no frames on ${ctx.topic} since start (${fmt(silentFor / 1000)} s): check the topic name, its type and QoS`
          : `no frames on ${ctx.topic} for ${fmt(silentFor / 1000)} s`,
      );
    }
    if (ctx.applyProblem) warnings.push(ctx.applyProblem);

    const latencies = this.results.map((r) => r.latencyMs).sort((a, b) => a - b);
    const inFps = received / spanS;
    const outFps = processed / spanS;
    const p99 =
      latencies.length > 0
        ? latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)]
        : NaN;

    let level: Level = LEVEL.OK;
    let message: string;
    if (errorsFound.length > 0) {
      level = LEVEL.ERROR;
      message = [...errorsFound, ...warnings].join("; ");
    } else if (warnings.length > 0) {
      level = LEVEL.WARN;
      message = warnings.join("; ");
    } else if (ctx.idle !== undefined) {
      message = ctx.idle;
    } else {
      message = `classifying ${ctx.topic}: ${fmt(inFps)} fps in, ${fmt(outFps)} fps classified, p99 latency ${fmt(p99)} ms`;
    }

    const values: KeyValue[] = [
      kv("frames_received", stats.received),
      kv("frames_processed", stats.processed),
      kv("frames_dropped", stats.dropped),
      kv("frame_errors", stats.errors),
      kv("frames_waiting", stats.waiting),
      kv("input_fps", inFps),
      kv("processed_fps", outFps),
      kv("drop_percent", received > 0 ? (100 * dropped) / received : 0),
      kv("latency_mean_ms", mean(latencies)),
      kv("latency_p99_ms", p99),
      kv("timesteps_mean", mean(this.results.map((r) => r.timesteps))),
    ];
    const last = this.results[this.results.length - 1];
    if (last) {
      const unit = last.unit;
      values.push(
        kv(`energy_per_frame_${unit}`, mean(this.results.map((r) => r.energyPerFrame))),
        kv(unit === "J" ? "power_W" : `power_${unit}_per_s`, last.power),
        kv("ann_energy_ratio", mean(this.results.map((r) => r.ratio))),
      );
      for (let layer = 0; layer < last.layerRates.length; layer++) {
        values.push(
          kv(
            `firing_rate_hz.layer${layer}`,
            mean(this.results.map((r) => r.layerRates[layer] ?? 0)),
          ),
        );
      }
    }
    for (const [reason, n] of Object.entries(stats.errorsByReason))
      values.push(kv(`errors.${reason}`, n));
    for (const [reason, n] of Object.entries(stats.droppedByReason ?? {}))
      values.push(kv(`frames_dropped.${reason}`, n));
    const ev = stats.events;
    if (ev) {
      // An event stream: the frames above are windows of sensor time; these count beneath them.
      values.push(
        kv("event_packets", ev.packets),
        kv("event_packets_per_s", (ev.packets - base.packets) / spanS),
        kv("events", ev.events),
        kv("event_rate_per_s", (ev.events - base.events) / spanS),
        kv("events_dropped", ev.eventsDropped + ev.eventsInDroppedWindows),
        kv("event_bad_packets", ev.badPackets),
        kv("event_windows_skipped", ev.windowsSkipped),
      );
      for (const [reason, n] of Object.entries(ev.windowsDropped))
        values.push(kv(`event_windows_dropped.${reason}`, n));
      for (const [reason, n] of Object.entries(ev.problemsByReason))
        values.push(kv(`event_problems.${reason}`, n));
    }
    for (const [key, value] of Object.entries(ctx.facts)) values.push({ key, value });
    return { level, message, values };
  }
}

function reasons(stats: PipelineStats): string {
  const parts = Object.entries(stats.errorsByReason).map(([r, n]) => `${r}: ${n}`);
  return parts.length > 0 ? parts.join(", ") : "no reason given";
}

function mean(xs: number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function kv(key: string, value: number): KeyValue {
  if (!Number.isFinite(value)) return { key, value: "n/a" };
  if (Number.isInteger(value)) return { key, value: String(value) };
  return {
    key,
    value:
      Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6
        ? value.toExponential(4)
        : value.toPrecision(5),
  };
}

/** diagnostic_msgs/DiagnosticArray with one status. */
export function diagnosticArray(
  report: HealthReport,
  stamp: { sec: number; nanosec: number },
  name: string,
  hardwareId: string,
): {
  header: { stamp: { sec: number; nanosec: number }; frame_id: string };
  status: {
    level: number;
    name: string;
    message: string;
    hardware_id: string;
    values: KeyValue[];
  }[];
} {
  return {
    header: { stamp, frame_id: "" },
    status: [
      {
        level: report.level,
        name,
        message: report.message,
        hardware_id: hardwareId,
        values: report.values,
      },
    ],
  };
}
