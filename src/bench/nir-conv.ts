/**
 * `npm run bench -- --nir`: an imported-style NIR graph beside the native layers of the same
 * shape, on the fast engine, fed the same spike sequences (external encoder). Native: each
 * weighted layer carries its IF neurons (conv2d + if fused in one layer). Imported style, as
 * `import-nir` writes a graph whose weighted node is not fused: every weighted layer with
 * neuron "linear", followed by a `neurons` layer with the IF neurons. Both are the same network
 * (same weights, same spikes, checked); the figure is the cost of the extra layer per tick.
 *
 * Shape: 2x34x34 spikes (the NIR paper's N-MNIST input) -> conv 16@5x5 pad 1 -> sumpool 2 ->
 * conv 32@3x3 pad 1 -> sumpool 2 -> flatten -> dense 128 -> dense 10; IF (threshold 1, reset 0)
 * everywhere, T = 100 ticks, input spikes Bernoulli(0.1) per pixel per tick, seeded weights.
 */
import { parseModel, createNetwork, runSequence } from "../snn/index.js";
import type { Model, ModelSpecInput } from "../snn/index.js";
import { machine, stats } from "./measure.js";
import { uniform as rand } from "./uniform.js";

type LayerIn = ModelSpecInput["layers"][number];

/** The two models: "native" (fused) and "imported" (linear + neurons layers). */
export function nirConvModels(seed = 7): { native: Model; imported: Model } {
  const r = rand(seed);
  const shapes = [
    [16, 2, 5, 5],
    [32, 16, 3, 3],
    [128, 32 * 8 * 8],
    [10, 128],
  ];
  // Uniform weights around a small positive mean, scaled by fan-in, so every layer fires.
  const gains = [3.2, 0.9, 0.6, 1.5];
  const values: number[] = [];
  const refs = shapes.map((shape, k) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const fanIn = count / shape[0];
    const ref = { offset: values.length * 4, shape };
    for (let i = 0; i < count; i++) values.push(((r() - 0.45) * gains[k]) / Math.sqrt(fanIn));
    return ref;
  });
  const weights = new Uint8Array(new Float32Array(values).buffer);
  const ifn = { model: "if" as const, v_threshold: 1 };
  const linear = { model: "linear" as const };
  const weighted: LayerIn[] = [
    { type: "conv2d", weights: refs[0], padding: [1, 1], neuron: ifn },
    { type: "sumpool2d", kernel: [2, 2], stride: [2, 2] },
    { type: "conv2d", weights: refs[1], padding: [1, 1], neuron: ifn },
    { type: "sumpool2d", kernel: [2, 2], stride: [2, 2] },
    { type: "flatten" },
    { type: "dense", weights: refs[2], neuron: ifn },
    { type: "dense", weights: refs[3], neuron: ifn },
  ];
  const unfused = weighted.flatMap((l): LayerIn[] =>
    "neuron" in l
      ? [
          { ...l, neuron: linear },
          { type: "neurons", neuron: ifn },
        ]
      : [l],
  );
  const spec = (name: string, layers: LayerIn[]): ModelSpecInput => ({
    format: "spikenode-model",
    version: 2,
    name,
    dt: 0.001,
    weights: { file: "weights.bin", bytes: weights.byteLength },
    input: { shape: [2, 34, 34], encoder: { type: "external" } },
    presentation: { mode: "reset", timesteps: 100 },
    layers,
    readout: { type: "spike_count" },
    labels: Array.from({ length: 10 }, (_, i) => String(i)),
    provenance: { method: "synthetic", seed },
  });
  return {
    native: parseModel(spec("nir-bench-native", weighted), weights, "nir-bench native"),
    imported: parseModel(spec("nir-bench-imported", unfused), weights, "nir-bench imported"),
  };
}

export async function nirConvBench(args: readonly string[]): Promise<void> {
  const quick = args.includes("--quick");
  const samples = quick ? 4 : 20;
  const T = 100;
  const { native, imported } = nirConvModels();
  const r = rand(99);
  const size = native.encodedSize;
  const input = Float32Array.from({ length: samples * T * size }, () => (r() < 0.1 ? 1 : 0));
  const nets = { native: createNetwork(native), imported: createNetwork(imported) };
  const times = { native: [] as number[], imported: [] as number[] };
  const cpu = { native: 0, imported: 0 };
  const spikes: Record<"native" | "imported", number[][]> = { native: [], imported: [] };
  // Warm-up, then alternate the two per sample so a busy machine slows both alike.
  for (const k of ["native", "imported"] as const)
    runSequence(nets[k], input, T, { perTick: false });
  for (let s = 0; s < samples; s++) {
    for (const k of s % 2 === 0
      ? (["native", "imported"] as const)
      : (["imported", "native"] as const)) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const res = runSequence(nets[k], input, T, { offset: s * T * size, perTick: false });
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
      const c1 = process.cpuUsage(c0);
      cpu[k] += (c1.user + c1.system) / 1000;
      const layers = k === "native" ? res.layers : res.layers.filter((l) => l.type === "neurons");
      spikes[k].push(layers.map((l) => l.spikes));
    }
  }
  // Same network: per sample, the imported graph's neurons layers spike as the native layers.
  const sameSpikes = JSON.stringify(spikes.native) === JSON.stringify(spikes.imported);
  const counters = (net: (typeof nets)["native"]) => net.counters();
  const perLayer = counters(nets.native).layers.map((l) => ({
    layer: l.layer,
    neurons: l.neurons,
    spikesPerNeuronPerTick: l.spikes / (l.neurons * T),
  }));
  const a = stats(times.native, cpu.native);
  const b = stats(times.imported, cpu.imported);
  const report = {
    machine: machine(),
    bench: "imported-style NIR conv graph vs native fused layers, fast engine, batch 1",
    shape:
      "2x34x34 spikes -> c16@5 p1 -> sumpool2 -> c32@3 p1 -> sumpool2 -> d128 -> d10, IF, T 100",
    samples,
    ticksPerSample: T,
    sameSpikes,
    activity: perLayer,
    native: a,
    imported: b,
    ratio: {
      importedOverNativeMedian: b.medianMs / a.medianMs,
      importedOverNativeCpu: b.cpuMsPerFrame / a.cpuMsPerFrame,
    },
    note: "ms per sample (T ticks); cpuMsPerFrame is this process's CPU time per sample",
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
