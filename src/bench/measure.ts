/**
 * Batch-1 latency of a network: frames presented one at a time through `run()` with the model's
 * encoder, timed with the monotonic clock. Shared by `npm run bench` and `spikenode bench`.
 */
import os from "node:os";
import { EarlyExitPolicy, presentWithEarlyExit, type EarlyExitOptions } from "../decode/index.js";
import { encoderForModel } from "../encode/index.js";
import {
  DEFAULT_PROFILE,
  ProfileRegistry,
  energyLayers,
  energyRatio,
  estimateEnergy,
  ratioPhrase,
} from "../power/index.js";
import { createNetwork } from "../snn/index.js";
import type { EngineKind, Model } from "../snn/index.js";

export interface LatencyStats {
  frames: number;
  medianMs: number;
  p95Ms: number;
  meanMs: number;
  framesPerSecond: number;
  /** CPU time of this process per frame: on a shared machine, closer to uncontended latency. */
  cpuMsPerFrame: number;
}

export interface EngineBench extends LatencyStats {
  engine: EngineKind;
  synapticOpsPerFrame: number;
  synapticOpsPerSecond: number;
  spikesPerFrame: number;
  /** Mean firing rate of each weighted layer, Hz. */
  layerRatesHz: number[];
  peakRssBytes: number;
  /** Mean energy per frame under the default profile, beside its ANN, the ratio in words. */
  energy: {
    profile: string;
    unit: string;
    energyPerFrame: number;
    annLabel: string;
    annEnergyPerFrame: number;
    ratio: number;
    comparison: string;
  };
  /** Mean ticks simulated per frame (below the presentation's with early exit). */
  ticksPerFrame: number;
}

export interface EngineBenchOptions {
  /** Untimed frames first. Default 3. */
  warmup?: number;
  /** Ticks per frame. Default: the model's presentation.timesteps. */
  timesteps?: number;
  /** Stop each frame once the winner is clear (src/decode/early-exit.ts). Default off. */
  earlyExit?: EarlyExitOptions | false;
}

export function stats(times: number[], cpuMs: number): LatencyStats {
  const sorted = [...times].sort((a, b) => a - b);
  const pick = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    frames: times.length,
    medianMs: pick(0.5),
    p95Ms: pick(0.95),
    meanMs: mean,
    framesPerSecond: 1000 / mean,
    cpuMsPerFrame: cpuMs / times.length,
  };
}

export function machine(): { cpu: string; cores: number; node: string; platform: string } {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Present `frames` inputs (cycled) after `warmup` untimed ones. */
export function benchEngine(
  model: Model,
  inputs: Float32Array[],
  engine: EngineKind,
  frames: number,
  options: EngineBenchOptions = {},
): EngineBench {
  const warmup = options.warmup ?? 3;
  const net = createNetwork(model, { engine });
  const policy = options.earlyExit ? new EarlyExitPolicy(options.earlyExit) : undefined;
  // run() computes the constant current itself; other encoders (Poisson, delta, sequences) tick,
  // and so does every encoder under early exit.
  const encoder =
    model.spec.input.encoder.type === "constant" && !policy
      ? undefined
      : encoderForModel(model.spec);
  const T = options.timesteps ?? model.spec.presentation.timesteps;
  const present = (pixels: Float32Array) =>
    policy ? presentWithEarlyExit(net, pixels, T, encoder!, policy) : net.run(pixels, T, encoder);
  for (let i = 0; i < warmup; i++) present(inputs[i % inputs.length]);
  const times: number[] = [];
  let synops = 0;
  let spikes = 0;
  const layerSpikes = new Float64Array(model.weightedLayers.length);
  let ticks = 0;
  const profile = new ProfileRegistry().get(DEFAULT_PROFILE);
  const energyOptions = {
    analogInput: encoderForModel(model.spec).analog,
    sequenceLength: model.sequenceLength,
    layers: energyLayers(model),
  };
  let energy = 0;
  let annEnergy = 0;
  let annLabel = "ANN";
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    present(inputs[i % inputs.length]);
    const counters = net.counters();
    times.push(performance.now() - t0);
    synops += counters.total.synapticOps;
    spikes += counters.total.spikes;
    counters.layers.forEach((l, k) => (layerSpikes[k] += l.spikes / l.neurons));
    ticks += counters.ticks;
    const e = estimateEnergy(counters, profile, 0, energyOptions);
    energy += e.energyPerFrame;
    annEnergy += e.annEnergyPerFrame;
    annLabel = e.annLabel ?? annLabel;
  }
  const cpu = process.cpuUsage(cpu0);
  const s = stats(times, (cpu.user + cpu.system) / 1000);
  const seconds = (ticks / frames) * model.spec.dt;
  return {
    engine,
    ...s,
    synapticOpsPerFrame: synops / frames,
    synapticOpsPerSecond: synops / frames / (s.meanMs / 1000),
    spikesPerFrame: spikes / frames,
    layerRatesHz: Array.from(layerSpikes, (x) => x / frames / seconds),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    energy: {
      profile: profile.name,
      unit: profile.unit,
      energyPerFrame: energy / frames,
      annLabel,
      annEnergyPerFrame: annEnergy / frames,
      ratio: energyRatio(annEnergy, energy),
      comparison: ratioPhrase(energyRatio(annEnergy, energy), `the ${annLabel}`),
    },
    ticksPerFrame: ticks / frames,
  };
}

/** Split a float32 file of N inputs into per-input views. */
export function splitInputs(data: Float32Array, inputSize: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i + inputSize <= data.length; i += inputSize)
    out.push(data.subarray(i, i + inputSize));
  return out;
}
