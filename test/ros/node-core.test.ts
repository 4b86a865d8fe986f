/**
 * The node's core without rclnodejs (src/ros/node-core.ts): its states, parameter checks and
 * changes, and a real frame through a real pipeline to the three per-result messages and the
 * class map, published through a host that records them (as the rcl shell would publish them).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codecFor } from "../../src/messages/index.js";
import { resolveModel } from "../../src/ros/model-info.js";
import { SpikenodeCore, type CoreHost } from "../../src/ros/node-core.js";
import { checkPipeline, createPipeline } from "../../src/stream/index.js";
import type { InputMessage } from "../../src/stream/types.js";
import { TINY_LABELS, writeTinyModel, type TinyModel } from "../stream/tiny-model.js";

interface Recorded {
  published: { name: string; message: Record<string, unknown> }[];
  restored: Record<string, unknown>[];
  lines: string[];
}

function recordingHost(): CoreHost & Recorded {
  const rec: Recorded = { published: [], restored: [], lines: [] };
  return {
    ...rec,
    publish: (name, message) =>
      rec.published.push({ name, message: message as Record<string, unknown> }),
    now: () => ({ sec: 5, nanosec: 6 }),
    restoreParameters: (values) => rec.restored.push(values),
    info: (line) => rec.lines.push(`info: ${line}`),
    warn: (line) => rec.lines.push(`warn: ${line}`),
    error: (line) => rec.lines.push(`error: ${line}`),
  };
}

let model: TinyModel;
beforeAll(async () => {
  model = await writeTinyModel();
});
afterAll(async () => {
  await model.cleanup();
});

function makeCore(host: CoreHost, variant: "plain" | "managed" = "plain"): SpikenodeCore {
  return new SpikenodeCore(
    {
      createPipeline,
      checkPipeline,
      variant,
      resolveModel: (value) => resolveModel(value, []),
      deserialize: (type, bytes) => codecFor(type).decode(bytes) as InputMessage,
      closeTimeoutMs: 10_000,
      clock: () => performance.now(),
      statusName: "spikenode: classifier",
    },
    host,
  );
}

/** An 8×8 mono8 frame as CDR, the bytes a raw subscription delivers. */
function frameBytes(stampSec: number): Uint8Array {
  const data = new Uint8Array(64);
  for (let i = 0; i < 64; i++) data[i] = (i * 37) % 256;
  return codecFor("sensor_msgs/msg/Image").encode({
    header: { stamp: { sec: stampSec, nanosec: 0 }, frame_id: "cam" },
    height: 8,
    width: 8,
    encoding: "mono8",
    is_bigendian: 0,
    step: 8,
    data,
  });
}

describe("the node's core, without rclnodejs", () => {
  it("moves through its states in order and refuses a transition out of order", async () => {
    const host = recordingHost();
    const core = makeCore(host);
    expect(core.state).toBe("unconfigured");
    expect(() => core.activate()).toThrow(/activate\(\) needs the inactive state.*unconfigured/);
    core.applyChange({ model: model.dir, top_k: 2 });
    expect(core.parameters().top_k).toBe(2);
    // configure answers at once: the checks and the worker's stages built on this thread.
    const info = core.configure();
    expect(core.state).toBe("inactive");
    expect(info?.labels).toEqual(TINY_LABELS);
    expect(host.published).toEqual([]);
    const loaded = core.activate();
    expect(core.state).toBe("active");
    expect((await loaded).labels).toEqual(TINY_LABELS);
    const summary = await core.shutdown();
    expect(core.state).toBe("finalized");
    expect(summary.received).toBe(0);
    // The class map went out once, when the model had loaded; diagnostics once more at shutdown.
    expect(host.published.map((p) => p.name)).toEqual(["labelInfo", "diagnostics"]);
    expect(host.published[0].message.class_map).toEqual(
      TINY_LABELS.map((class_name, class_id) => ({ class_id, class_name })),
    );
  });

  it("checks a change on the parameters' declarations and names the reason", () => {
    const host = recordingHost();
    const core = makeCore(host);
    expect(core.checkChange({ top_k: 0n })).toMatch(/^top_k: 0 is out of range/);
    expect(core.checkChange({ dt: 1e-7 })).toMatch(/^dt: .*too small a step/);
    expect(core.checkChange({ image_topic: "9cam" })).toMatch(/not a valid topic name/);
    expect(core.checkChange({ not_ours: 1 })).toBeNull();
    expect(core.checkChange({ top_k: 3n })).toBeNull();
    expect(host.lines.filter((l) => l.startsWith("warn: refused parameter change"))).toHaveLength(
      3,
    );
  });

  it("classifies a serialized frame and publishes the three result messages", async () => {
    const host = recordingHost();
    const core = makeCore(host);
    core.applyChange({ model: model.dir, top_k: 2, publish_scores: true });
    core.configure();
    await core.activate();
    core.subscribed("/image_raw", "sensor_msgs/msg/Image");
    core.onFrame("sensor_msgs/msg/Image", frameBytes(7));
    const summary = await core.shutdown();
    expect(summary).toMatchObject({ received: 1, processed: 1, errors: 0, unfinished: 0 });
    const names = host.published.map((p) => p.name);
    expect(names).toEqual([
      "labelInfo",
      "classification",
      "spikeClassification",
      "power",
      "diagnostics",
    ]);
    const classification = host.published[1].message as {
      header: { stamp: { sec: number } };
      results: unknown[];
    };
    expect(classification.header.stamp.sec).toBe(7);
    expect(classification.results).toHaveLength(2);
    const spikes = host.published[2].message as { scores: Float64Array; class_name: string };
    expect(spikes.scores).toHaveLength(TINY_LABELS.length);
    expect(TINY_LABELS).toContain(spikes.class_name);
  });

  it("counts a frame that arrives before any pipeline runs as dropped", async () => {
    const host = recordingHost();
    const core = makeCore(host);
    core.onFrame("sensor_msgs/msg/Image", frameBytes(1));
    expect(core.stats()).toMatchObject({ received: 1, dropped: 1, processed: 0 });
    await core.abandon();
    expect(core.state).toBe("finalized");
    expect(core.checkChange({ top_k: 3n })).toBe("the node is shutting down");
  });

  it("refuses a configure whose parameters cannot run, with the reason, and stays unconfigured", () => {
    const host = recordingHost();
    const core = makeCore(host);
    // Each value passes its own check; the model cannot run it (a sequence length is fixed).
    core.applyChange({ model: model.dir, encoder: '{"type":"rows"}' });
    expect(() => core.configure()).toThrow(
      /^model ".*" \(.*\) cannot run with these parameters: pipeline option encoder/,
    );
    expect(core.state).toBe("unconfigured");
    core.applyChange({ encoder: "model" });
    expect(core.configure()?.labels).toEqual(TINY_LABELS);
  });

  it("managed: records values while unconfigured, withholds results once not active, and walks back", async () => {
    const host = recordingHost();
    const core = makeCore(host, "managed");
    // Unconfigured: recorded, not checked (rcl has checked the type); configure checks it.
    expect(core.checkChange({ top_k: 0n })).toBeNull();
    core.applyChange({ model: model.dir, top_k: 0 });
    expect(() => core.configure()).toThrow(/^top_k: 0 is out of range/);
    core.publishDiagnostics();
    const failed = host.published.at(-1)!.message as {
      status: { level: number; message: string; values: { key: string; value: string }[] }[];
    };
    expect(failed.status[0].level).toBe(2);
    expect(failed.status[0].message).toMatch(/^configure failed: top_k: 0 is out of range/);
    expect(failed.status[0].values).toContainEqual({
      key: "lifecycle_state",
      value: "unconfigured",
    });
    core.applyChange({ top_k: 2 });
    core.configure();
    // Inactive: checked at once, as while active.
    expect(core.checkChange({ top_k: 0n })).toMatch(/^top_k: 0 is out of range/);
    await core.activate();
    core.subscribed("/image_raw", "sensor_msgs/msg/Image");
    core.onFrame("sensor_msgs/msg/Image", frameBytes(3));
    // Deactivating with the frame in flight: it finishes, and its result is not published.
    await core.deactivate();
    expect(core.state).toBe("inactive");
    expect(core.stats()).toMatchObject({ received: 1, processed: 1 });
    expect(core.withheldResults()).toBe(1);
    expect(host.published.map((p) => p.name)).not.toContain("classification");
    core.cleanup();
    expect(core.state).toBe("unconfigured");
    core.configure();
    await core.activate();
    core.onFrame("sensor_msgs/msg/Image", frameBytes(4));
    await core.shutdown();
    expect(core.state).toBe("finalized");
    // The second activation's frame was in flight at shutdown: withheld too.
    expect(core.withheldResults()).toBe(2);
    expect(host.published.filter((p) => p.name === "labelInfo")).toHaveLength(2);
  });
});
