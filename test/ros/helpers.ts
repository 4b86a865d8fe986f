/**
 * Shared by the node tests: the rclnodejs backends the same tests run against (the stand-in
 * always; real rclnodejs when ROS 2 is sourced), a scripted Pipeline double, a model directory
 * that passes the node's checks, and a peer node that publishes images and listens to outputs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Subject } from "rxjs";
import { afterAll } from "vitest";
import { codecFor } from "../../src/messages/index.js";
import type { RclModule, RclNode, RclPublisher } from "../../src/ros/rcl-types.js";
import type { ModelSpecInput } from "../../src/snn/model-spec.js";
import type {
  ClassificationResult,
  CloseOptions,
  FrameError,
  FrameInput,
  Header,
  Pipeline,
  PipelineInfo,
  PipelineOptions,
  PipelineStats,
} from "../../src/stream/types.js";
import { createRclStandin, type RclStandin } from "./standin/rclnodejs-standin.js";

export interface Backend {
  name: string;
  /** Why it is skipped here, or undefined when it runs. */
  skip?: string;
  create(): Promise<RclModule>;
  /** The stand-in's inspection hooks; undefined for real rclnodejs. */
  standin?: (rcl: RclModule) => RclStandin;
}

const MODULE_NAME = "rclnodejs";

/**
 * One stand-in per test process, as there is one rclnodejs module per process: its default
 * context outlives a failed start, so a test that inits again without shutting down fails on
 * both backends alike.
 */
let sharedStandin: RclStandin | undefined;

export const BACKENDS: Backend[] = [
  {
    name: "rclnodejs stand-in",
    create: async () => (sharedStandin ??= createRclStandin()),
    standin: (rcl) => rcl as RclStandin,
  },
  {
    name: "real rclnodejs",
    skip: process.env.ROS_DISTRO ? undefined : "needs ROS 2: ROS_DISTRO unset",
    create: async () => {
      ownDomainPerWorker();
      const mod = (await import(MODULE_NAME)) as { default?: RclModule };
      return (mod.default ?? mod) as RclModule;
    },
  },
];

let domainChosen = false;

/**
 * vitest runs test files in parallel processes. On one DDS domain their nodes (same names, same
 * topics such as /image_raw) hear each other, and on a real graph tests failed with frames from
 * another file's peer. Each worker takes its own domain, offset from ROS_DOMAIN_ID; rcl reads it
 * at init(), and child processes (spikenode run) inherit it.
 */
function ownDomainPerWorker(): void {
  if (domainChosen) return;
  domainChosen = true;
  const base = Number(process.env.ROS_DOMAIN_ID ?? "0") || 0;
  const worker = Number(process.env.VITEST_POOL_ID ?? "1") || 1;
  // 0..101 are the domains every platform supports.
  process.env.ROS_DOMAIN_ID = String((base + worker) % 102);
}

const tempDirs: string[] = [];
// Registered for each test file that imports these helpers.
afterAll(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A model directory the node's `model` check accepts (model.json + weights of the right size). */
export function writeModelDir(labels: string[] = ["zero", "one", "two", "three"]): string {
  const dir = tempDir("spikenode-ros-model-");
  const nIn = 16;
  const nOut = labels.length;
  const bytes = nIn * nOut * 4;
  const spec: ModelSpecInput = {
    format: "spikenode-model",
    version: 1,
    name: "ros-test",
    dt: 0.001,
    weights: { file: "weights.bin", bytes },
    input: { shape: [1, 4, 4], encoder: { type: "constant" } },
    presentation: { mode: "reset", timesteps: 20 },
    layers: [
      { type: "flatten" },
      {
        type: "dense",
        weights: { offset: 0, shape: [nOut, nIn] },
        neuron: { model: "lif", tau_rc: 0.02, tau_ref: 0.002 },
      },
    ],
    readout: { type: "spike_count" },
    labels,
    provenance: { method: "hand-written" },
  };
  writeFileSync(path.join(dir, "model.json"), JSON.stringify(spec));
  writeFileSync(path.join(dir, "weights.bin"), new Uint8Array(bytes));
  return dir;
}

export interface ScriptedPipelineBehaviour {
  labels: string[];
  /** Scores of the frame with this sequence number; default: one-hot on seq % classes. */
  scores?: (seq: number) => number[];
  /** ms from push to result. */
  delayMs?: number;
  /** ready() rejects with this. */
  readyError?: string;
  /** push() throws for these sequence numbers (a pipeline bug the node must survive). */
  throwOnPush?: (seq: number) => boolean;
  /** Frames counted as dropped by this pipeline (as latest-wins would). */
  dropEvery?: number;
}

/**
 * A test double of the pipeline (a neighbouring layer): it decodes each serialized frame with
 * the deserializer the node passed in (so the header and bytes the node handed over are real)
 * and emits scripted scores. It classifies nothing.
 */
export class ScriptedPipeline implements Pipeline {
  readonly results$ = new Subject<ClassificationResult>();
  readonly errors$ = new Subject<FrameError>();
  readonly headers: Header[] = [];
  closeCalls: CloseOptions[] = [];
  private received = 0;
  private processed = 0;
  private dropped = 0;
  private errors = 0;
  private readonly errorsByReason: Record<string, number> = {};
  private pending = new Set<NodeJS.Timeout>();
  private pendingDone: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly options: PipelineOptions,
    private readonly behaviour: ScriptedPipelineBehaviour,
  ) {}

  push(frame: FrameInput): void {
    const seq = this.received++;
    if (this.closed) {
      this.dropped++;
      return;
    }
    if (this.behaviour.throwOnPush?.(seq)) throw new Error(`scripted push failure on frame ${seq}`);
    if (this.behaviour.dropEvery && seq % this.behaviour.dropEvery === 0) {
      this.dropped++;
      return;
    }
    if (frame.kind !== "serialized") throw new Error("the node must hand over serialized frames");
    let header: Header;
    try {
      const msg = this.options.deserialize!(frame.type, frame.data);
      header = msg.header;
    } catch (err) {
      this.errors++;
      this.errorsByReason.decode = (this.errorsByReason.decode ?? 0) + 1;
      this.errors$.next({
        seq,
        reason: "decode",
        message: `frame ${seq}: ${(err as Error).message}`,
      });
      return;
    }
    this.headers.push(header);
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.processed++;
      this.results$.next(this.result(seq, header));
      if (this.pending.size === 0) for (const done of this.pendingDone.splice(0)) done();
    }, this.behaviour.delayMs ?? 0);
    this.pending.add(timer);
  }

  private result(seq: number, header: Header): ClassificationResult {
    const labels = this.behaviour.labels;
    const scores =
      this.behaviour.scores?.(seq) ??
      labels.map((_, i) => (i === seq % labels.length ? 0.7 : 0.3 / (labels.length - 1)));
    let best = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
    const zeroLayer = { neurons: 4, spikes: 3, synapticOps: 12, neuronUpdates: 80, annMacs: 64 };
    return {
      seq,
      header,
      classId: best,
      className: labels[best],
      confidence: scores[best],
      scores,
      topK: [],
      timestepsUsed: this.options.timesteps ?? 20,
      outputSpikeCounts: scores.map((s) => Math.round(s * 10)),
      counters: { ticks: 20, dt: 0.001, layers: [{ layer: 1, ...zeroLayer }], total: zeroLayer },
      energy: {
        profile: this.options.powerProfile ?? "cmos45-horowitz",
        unit: "J",
        energyPerFrame: 1.2e-9,
        power: 3.6e-8,
        synapticOps: 12,
        neuronUpdates: 80,
        annMacs: 64,
        annEnergyPerFrame: 2.9e-10,
        ratio: 0.24,
        layerRates: [150],
      } as ClassificationResult["energy"],
      timings: {
        queue: 0.1,
        decode: 0.2,
        preprocess: 0.3,
        encode: 0.1,
        engine: 2,
        readout: 0.1,
        power: 0.05,
        total: 3,
      },
    };
  }

  stats(): PipelineStats {
    return {
      received: this.received,
      processed: this.processed,
      dropped: this.dropped,
      errors: this.errors,
      errorsByReason: { ...this.errorsByReason },
      waiting: 0,
      inFlight: this.pending.size,
    };
  }

  ready(): Promise<PipelineInfo> {
    if (this.behaviour.readyError) return Promise.reject(new Error(this.behaviour.readyError));
    return Promise.resolve({
      modelName: "ros-test",
      labels: this.behaviour.labels,
      inputShape: [1, 4, 4],
      dt: 0.001,
      timesteps: this.options.timesteps ?? 20,
      presentation: this.options.presentation ?? "reset",
      encoder: this.options.encoder?.type ?? "constant",
      powerProfile: this.options.powerProfile ?? "cmos45-horowitz",
      neurons: 4,
    });
  }

  capacityAvailable(): Promise<void> {
    return Promise.resolve();
  }

  async close(options: CloseOptions = {}): Promise<void> {
    this.closeCalls.push(options);
    this.closed = true;
    if (this.pending.size > 0) await new Promise<void>((resolve) => this.pendingDone.push(resolve));
    this.results$.complete();
    this.errors$.complete();
  }

  /** Kills the pipeline as a crashed worker would. */
  die(reason: string): void {
    this.results$.error(new Error(reason));
  }
}

/** A factory recording every pipeline the node builds. */
export function scriptedFactory(
  behaviour: ScriptedPipelineBehaviour | ((options: PipelineOptions) => ScriptedPipelineBehaviour),
) {
  const built: ScriptedPipeline[] = [];
  const factory = (options: PipelineOptions): Pipeline => {
    const b = typeof behaviour === "function" ? behaviour(options) : behaviour;
    const p = new ScriptedPipeline(options, b);
    built.push(p);
    return p;
  };
  return { factory, built };
}

export function imageCdr(header: Header, width = 4, height = 4, fill = 128): Buffer {
  const data = new Uint8Array(width * height).fill(fill);
  const bytes = codecFor("sensor_msgs/msg/Image").encode({
    header,
    height,
    width,
    encoding: "mono8",
    is_bigendian: 0,
    step: width,
    data,
  });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function header(n: number, frame = "camera_optical"): Header {
  return { stamp: { sec: 1_700_000_000 + n, nanosec: 1000 * n }, frame_id: frame };
}

/** A second node in the same graph: publishes camera frames and decodes what the node publishes. */
export class Peer {
  readonly node: RclNode;
  private readonly received = new Map<string, unknown[]>();

  constructor(
    private readonly rcl: RclModule,
    name = "test_peer",
  ) {
    this.node = new rcl.Node(name, "");
    this.node.spin();
  }

  /** Raw subscription decoded with our codec, so the same code reads stand-in and real graphs. */
  listen(topic: string, type: string, opts: { transientLocal?: boolean } = {}): unknown[] {
    const list: unknown[] = [];
    this.received.set(topic, list);
    const q = this.rcl.QoS;
    const qos = opts.transientLocal
      ? new q(
          q.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST,
          1,
          q.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE,
          q.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL,
        )
      : q.profileDefault;
    const codec = codecFor(type);
    this.node.createSubscription(type, topic, { qos, isRaw: true }, (bytes: Buffer) =>
      list.push(codec.decode(bytes)),
    );
    return list;
  }

  camera(topic: string, type = "sensor_msgs/msg/Image", reliable = false): RclPublisher {
    const q = this.rcl.QoS;
    return this.node.createPublisher(type, topic, {
      qos: reliable ? q.profileDefault : q.profileSensorData,
    });
  }
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
