import { describe, expect, it } from "vitest";
import {
  HealthMonitor,
  LEVEL,
  diagnosticArray,
  type HealthContext,
} from "../../src/ros/diagnostics.js";
import { codecFor } from "../../src/messages/index.js";
import type { ClassificationResult, PipelineStats } from "../../src/stream/types.js";

function stats(
  received: number,
  processed: number,
  dropped = 0,
  errors = 0,
  byReason: Record<string, number> = {},
): PipelineStats {
  return {
    received,
    processed,
    dropped,
    errors,
    errorsByReason: byReason,
    waiting: 0,
    inFlight: 0,
  };
}

function result(latencyMs: number, rates = [100, 20]): ClassificationResult {
  return {
    timings: { total: latencyMs },
    timestepsUsed: 30,
    energy: { energyPerFrame: 2e-9, power: 6e-8, ratio: 4, unit: "J", layerRates: rates },
  } as unknown as ClassificationResult;
}

const ctx = (now: number, s: PipelineStats, extra: Partial<HealthContext> = {}): HealthContext => ({
  now,
  stats: s,
  lastFrameAt: now,
  topic: "/cam/image_raw",
  facts: { model: "m" },
  ...extra,
});

/** A camera at `fps` for `seconds`, reported once a second; returns the last report. */
function run(
  m: HealthMonitor,
  fps: number,
  seconds: number,
  opts: { dropEvery?: number; errorEvery?: number; t0?: number } = {},
) {
  let received = 0;
  let processed = 0;
  let dropped = 0;
  let errors = 0;
  let t = opts.t0 ?? 0;
  let report = m.report(ctx(t, stats(0, 0)));
  for (let s = 0; s < seconds; s++) {
    for (let f = 0; f < fps; f++) {
      t = (opts.t0 ?? 0) + s * 1000 + Math.round(((f + 1) * 1000) / fps);
      received++;
      if (opts.dropEvery && received % opts.dropEvery === 0) dropped++;
      else if (opts.errorEvery && received % opts.errorEvery === 0) errors++;
      else {
        processed++;
        m.onResult(result(10 + (f % 10)), t);
      }
    }
    t = (opts.t0 ?? 0) + (s + 1) * 1000;
    report = m.report(
      ctx(
        t,
        stats(received, processed, dropped, errors, errors ? { unsupported_encoding: errors } : {}),
      ),
    );
  }
  return report;
}

describe("health levels", () => {
  it("is OK for a steady stream, with rates, latency, firing rates and energy", () => {
    const r = run(new HealthMonitor(0), 30, 6);
    expect(r.level).toBe(LEVEL.OK);
    expect(r.message).toMatch(
      /^classifying \/cam\/image_raw: 30 fps in, 30 fps classified, p99 latency 19 ms$/,
    );
    const v = Object.fromEntries(r.values.map((kv) => [kv.key, kv.value]));
    expect(v).toMatchObject({
      frames_received: "180",
      frames_processed: "180",
      frames_dropped: "0",
      input_fps: "30",
      latency_p99_ms: "19",
      latency_mean_ms: "14.500",
      timesteps_mean: "30",
      energy_per_frame_J: "2.0000e-9",
      power_W: "6.0000e-8",
      ann_energy_ratio: "4",
      "firing_rate_hz.layer0": "100",
      "firing_rate_hz.layer1": "20",
      model: "m",
    });
  });

  it("warns when more than 10% of frames are dropped, not at 10% or less", () => {
    expect(run(new HealthMonitor(0), 30, 6, { dropEvery: 10 }).level).toBe(LEVEL.OK);
    const r = run(new HealthMonitor(0), 30, 6, { dropEvery: 5 });
    expect(r.level).toBe(LEVEL.WARN);
    expect(r.message).toMatch(
      /dropping 20% of frames \(30 of 150 in 5 s\): the classifier cannot keep up/,
    );
  });

  it("warns after 5 s without frames, and says when none ever came", () => {
    const m = new HealthMonitor(0);
    expect(m.report(ctx(4900, stats(0, 0), { lastFrameAt: undefined })).level).toBe(LEVEL.OK);
    const never = m.report(ctx(5000, stats(0, 0), { lastFrameAt: undefined }));
    expect(never.level).toBe(LEVEL.WARN);
    expect(never.message).toMatch(
      /no frames on \/cam\/image_raw since start \(5 s\): check the topic name, its type and QoS/,
    );
    const quiet = run(new HealthMonitor(0), 10, 2);
    expect(quiet.level).toBe(LEVEL.OK);
    const m2 = new HealthMonitor(0);
    m2.report(ctx(1000, stats(5, 5), { lastFrameAt: 1000 }));
    expect(m2.report(ctx(6500, stats(5, 5), { lastFrameAt: 1000 })).message).toMatch(
      /no frames on \/cam\/image_raw for 5\.50 s/,
    );
  });

  it("warns for a few refused frames and errs when errors dominate", () => {
    const few = run(new HealthMonitor(0), 30, 6, { errorEvery: 15 });
    expect(few.level).toBe(LEVEL.WARN);
    expect(few.message).toMatch(
      /10 of 150 frames in the last 5 s were refused \(unsupported_encoding: 12\)/,
    );
    const most = run(new HealthMonitor(0), 30, 6, { errorEvery: 1 });
    expect(most.level).toBe(LEVEL.ERROR);
    expect(most.message).toMatch(/150 of 150 frames .* were errors/);
  });

  it("errs when there is no working pipeline, keeping other problems in the message", () => {
    const m = new HealthMonitor(0);
    const r = m.report(
      ctx(6000, stats(0, 0), {
        failure: "the pipeline stopped: worker exited",
        lastFrameAt: undefined,
      }),
    );
    expect(r.level).toBe(LEVEL.ERROR);
    expect(r.message).toMatch(/^the pipeline stopped: worker exited; no frames on/);
  });

  it("forgets what fell out of the window", () => {
    const m = new HealthMonitor(0);
    run(m, 30, 3, { dropEvery: 2 });
    // 6 more seconds without drops: the window no longer holds them.
    let received = 90;
    let processed = 45;
    let t = 3000;
    let r = m.report(ctx(t, stats(received, processed, 45)));
    for (let s = 0; s < 6; s++) {
      t += 1000;
      received += 30;
      processed += 30;
      r = m.report(ctx(t, stats(received, processed, 45)));
    }
    expect(r.level).toBe(LEVEL.OK);
  });

  it("encodes as diagnostic_msgs/DiagnosticArray", () => {
    const r = run(new HealthMonitor(0), 30, 2);
    const msg = diagnosticArray(
      r,
      { sec: 5, nanosec: 6 },
      "cam/spikenode: classifier",
      "/cam/image_raw",
    );
    const codec = codecFor("diagnostic_msgs/msg/DiagnosticArray");
    const back = codec.decode(codec.encode(msg));
    expect(back.status[0]).toMatchObject({
      level: 0,
      name: "cam/spikenode: classifier",
      hardware_id: "/cam/image_raw",
    });
    expect(back.status[0].values).toEqual(r.values);
    expect(back.header.stamp).toEqual({ sec: 5, nanosec: 6 });
  });
});
