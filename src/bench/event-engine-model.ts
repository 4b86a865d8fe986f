/**
 * What `src/bench/event-engine.ts` measures: an event camera's events, by sensor time, through
 * the node's EventBinner (1 ms ticks) into a spiking network shaped like the NIR paper's N-MNIST
 * CSNN, one tick per closed bin, on one core.
 *
 *   [2, S, S] → conv 16@5×5 (padding 1) → avgpool 2 → conv 16@5×5 (padding 1) → avgpool 2 →
 *   flatten → dense 128 → dense 10, IF neurons (NIR's discrete-time IF, threshold 1, reset 0)
 *
 * Weights are seeded, zero-mean uniform (no training needed; classes meaningless), each layer's
 * scaled by 1.5/√fan-in: at 1 M events/s on 34×34 the four layers fire 0.11, 0.07, 0.04 and 0.03
 * spikes per neuron per tick (measured), at the same rate on 128×128 ten times less. Events are uniform over the S×S sensor and both
 * polarities, evenly spaced in time at the asked rate, cut into 1 ms packets as a driver
 * publishes them (libcaer_driver batches about every 1 ms).
 */
import { uniform } from "./uniform.js";
import { EventBinner, type EventColumns } from "../encode/event-bins.js";
import type { ModelSpecInput } from "../snn/model-spec.js";
import {
  createNetwork,
  parseModel,
  type EngineKind,
  type Model,
  type Network,
} from "../snn/index.js";

/** Output side of a 5×5 conv with padding 1, then of a 2×2 average pool. */
const conv5 = (s: number) => s - 2;
const pool2 = (s: number) => Math.floor(s / 2);

export interface EventNetShape {
  /** Sensor and input side S (input [2, S, S]). */
  size: number;
  /** Side of the second pool's output. */
  pooled: number;
  /** Neurons per layer (conv 1, conv 2, dense 128, dense 10). */
  neurons: number[];
}

export function eventNetShape(size: number): EventNetShape {
  const a = conv5(size);
  const b = conv5(pool2(a));
  const pooled = pool2(b);
  if (pooled < 1)
    throw new RangeError(`event-engine bench: a ${size}×${size} input is too small (use ≥ 14)`);
  return { size, pooled, neurons: [16 * a * a, 16 * b * b, 128, 10] };
}

/**
 * The network for an S×S sensor. Layer weights are `3·weightGain/√fan-in · (u + offset)`, u
 * uniform in [−1, 1].
 */
export function makeEventNetModel(
  size: number,
  seed = 20261206,
  weightGain = 0.5,
  offsets: [number, number, number, number] = [0, 0, 0, 0],
): Model {
  const shape = eventNetShape(size);
  const rand = uniform(seed);
  const p = shape.pooled;
  const tensors: { shape: number[]; fanIn: number; offset: number }[] = [
    { shape: [16, 2, 5, 5], fanIn: 2 * 25, offset: offsets[0] },
    { shape: [16, 16, 5, 5], fanIn: 16 * 25, offset: offsets[1] },
    { shape: [128, 16 * p * p], fanIn: 16 * p * p, offset: offsets[2] },
    { shape: [10, 128], fanIn: 128, offset: offsets[3] },
  ];
  const total = tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  const values = new Float32Array(total);
  const refs: { offset: number; shape: number[] }[] = [];
  let at = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((x, y) => x * y, 1);
    const scale = (weightGain * 3) / Math.sqrt(t.fanIn);
    refs.push({ offset: at * 4, shape: t.shape });
    for (let i = 0; i < n; i++) values[at + i] = scale * (rand() * 2 - 1 + t.offset);
    at += n;
  }
  const neuron = { model: "if" as const, v_threshold: 1, v_reset: 0 };
  const json: ModelSpecInput = {
    format: "spikenode-model",
    version: 1,
    name: `bench-event-csnn-${size}`,
    description:
      "Synthetic seeded NIR-paper-like CSNN for the event-engine benchmark (not trained; classes meaningless).",
    dt: 0.001,
    weights: { file: "weights.bin", bytes: total * 4 },
    input: { shape: [2, size, size], encoder: { type: "events" } },
    presentation: { mode: "continuous", timesteps: 1000 },
    layers: [
      { type: "conv2d", weights: refs[0], padding: [1, 1], neuron },
      { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
      { type: "conv2d", weights: refs[1], padding: [1, 1], neuron },
      { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
      { type: "flatten" },
      { type: "dense", weights: refs[2], neuron },
      { type: "dense", weights: refs[3], neuron },
    ],
    readout: { type: "spike_count" },
    labels: Array.from({ length: 10 }, (_, i) => String(i)),
    provenance: { method: "synthetic", seed, note: "uniform weights, 1/sqrt(fan-in) scaled" },
  };
  return parseModel(json, new Uint8Array(values.buffer), `bench-event-csnn-${size}`);
}

/**
 * `seconds` of sensor time at `rate` events/s on an S×S sensor, in 1 ms packets: uniform pixels
 * and polarities, event i at i / rate s (whole ns). Packets share no buffers.
 */
export function syntheticEventStream(
  size: number,
  rate: number,
  seconds: number,
  seed = 7,
): EventColumns[] {
  const rand = uniform(seed);
  const packets: EventColumns[] = [];
  const base = 1_700_000_000_000_000_000n;
  const total = Math.round(rate * seconds);
  const perPacketNs = 1_000_000;
  let i = 0;
  for (let k = 0; k * perPacketNs < seconds * 1e9; k++) {
    const end = Math.min(total, Math.ceil(((k + 1) * perPacketNs * rate) / 1e9));
    const n = Math.max(0, end - i);
    const x = new Uint16Array(n);
    const y = new Uint16Array(n);
    const polarity = new Uint8Array(n);
    const tOffsetNs = new Float64Array(n);
    for (let j = 0; j < n; j++, i++) {
      x[j] = Math.floor(rand() * size);
      y[j] = Math.floor(rand() * size);
      polarity[j] = rand() < 0.5 ? 1 : 0;
      tOffsetNs[j] = Math.floor(i * (1e9 / rate)) - k * perPacketNs;
    }
    packets.push({ baseNs: base + BigInt(k * perPacketNs), count: n, x, y, polarity, tOffsetNs });
  }
  return packets;
}

export interface EventEngineRun {
  events: number;
  ticks: number;
  /** Spikes per layer (weighted layers in order), all ticks. */
  layerSpikes: number[];
  synapticOps: number;
  inputOps: number;
  /** Sum of the last layer's spike counts: keeps the work observable. */
  checksum: number;
}

/**
 * Streams packets through a binner of 1 ms ticks into a network (continuous: never reset within
 * a run), one tick per closed bin, and counts what happened. Network and binner are built once
 * (the fast engine's tables take a while); each `run` starts them from a clean state.
 */
export class EventStreamRunner {
  readonly net: Network;
  private readonly binner: EventBinner;
  private readonly layerSpikes: Float64Array;
  private synapticOps = 0;
  private inputOps = 0;
  private checksum = 0;
  private ticks = 0;

  constructor(model: Model, engine: EngineKind = "fast") {
    const net = (this.net = createNetwork(model, { engine }));
    const size = model.spec.input.shape[2];
    this.layerSpikes = new Float64Array(net.counters().layers.length);
    const out = net.spikes;
    this.binner = new EventBinner({
      dtNs: 1_000_000,
      roi: { x: 0, y: 0, width: size, height: size },
      downsample: 1,
      onTick: (counts) => {
        net.tick(counts);
        this.ticks++;
        for (let i = 0; i < out.length; i++) this.checksum += out[i];
        // The frame's counters would grow without bound; fold them in every 1000 ticks.
        if (net.frameTicks === 1000) this.fold();
      },
    });
  }

  private fold(): void {
    const c = this.net.counters();
    c.layers.forEach((l, k) => (this.layerSpikes[k] += l.spikes));
    this.synapticOps += c.total.synapticOps;
    this.inputOps += c.inputOps ?? 0;
    this.net.beginFrame();
  }

  run(packets: readonly EventColumns[]): EventEngineRun {
    this.net.reset();
    this.binner.reset();
    this.layerSpikes.fill(0);
    this.synapticOps = this.inputOps = this.checksum = this.ticks = 0;
    for (const p of packets) this.binner.push(p);
    this.binner.flush();
    this.fold();
    return {
      events: this.binner.stats.events,
      ticks: this.ticks,
      layerSpikes: Array.from(this.layerSpikes),
      synapticOps: this.synapticOps,
      inputOps: this.inputOps,
      checksum: this.checksum,
    };
  }
}
