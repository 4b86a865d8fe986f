/**
 * `npm run bench` (after `npm run build`): batch-1 latency of the golden dense network and the
 * synthetic conv network on both engines, beside the same networks ticked densely with
 * TensorFlow.js (WASM backend), and the image stage (640x480 rgb8 camera frame -> the dense
 * network's 1x28x28 input), all in one run; prints JSON. Options: --frames N (fast engine),
 * --quick (fewer frames everywhere). `--readme` instead runs every benchmark behind README.md's
 * performance figures, one after another (src/bench/readme.ts). `--event-engine` instead runs
 * the event-camera engine benchmark (src/bench/event-engine.ts: realtime factor and ns per event
 * of a 2×34×34 and a 2×128×128 CSNN fed 0.1, 1 and 10 M events/s). `--nir` instead compares an
 * imported-style NIR conv graph with the native fused layers of the same shape (src/bench/nir-conv.ts).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadModel, parseModel } from "../snn/index.js";
import type { Model } from "../snn/index.js";
import { makeConvModel } from "./conv-model.js";
import { benchImageStage } from "./image-stage.js";
import { benchEngine, machine, splitInputs } from "./measure.js";
import { benchTfjs, useWasmBackend } from "./tfjs-dense.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const framesArg = args.indexOf("--frames");
const goldenDir = fileURLToPath(new URL("../../test/fixtures/golden/", import.meta.url));

async function main(): Promise<void> {
  const raw = readFileSync(`${goldenDir}inputs.f32`);
  const inputs = splitInputs(
    new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)),
    784,
  );
  const dense = await loadModel(goldenDir);
  const c = makeConvModel();
  const conv = parseModel(c.json, c.weights, "bench-conv (src/bench/conv-model.ts)");
  const backend = await useWasmBackend();
  const plan: [string, Model, number][] = [
    [
      "dense 784-512-512-10 (golden)",
      dense,
      framesArg >= 0 ? Number(args[framesArg + 1]) : quick ? 50 : 300,
    ],
    [
      "conv 1x28x28 c32 p2 c64 p2 d512 d10 (padding 1)",
      conv,
      framesArg >= 0 ? Number(args[framesArg + 1]) : quick ? 10 : 40,
    ],
  ];
  const networks = [];
  for (const [name, model, frames] of plan) {
    const fast = benchEngine(model, inputs, "fast", frames);
    const reference = benchEngine(
      model,
      inputs,
      "reference",
      Math.max(3, Math.floor(frames / 30)),
      { warmup: 1 },
    );
    const tfjs = benchTfjs(model, inputs, Math.max(3, Math.floor(frames / 10)));
    networks.push({
      name,
      timesteps: model.spec.presentation.timesteps,
      dt: model.spec.dt,
      fast,
      reference,
      tfjs: { backend, ...tfjs },
      ratios: {
        tfjsOverFast: tfjs.medianMs / fast.medianMs,
        referenceOverFast: reference.medianMs / fast.medianMs,
      },
    });
  }
  const image = benchImageStage(dense, quick ? 50 : 300);
  const report = {
    machine: machine(),
    batch: 1,
    note: "latencies are wall-clock medians per frame; cpuMsPerFrame is this process's CPU time",
    networks,
    image,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

(args.includes("--readme")
  ? import("./readme.js").then((m) => m.readmeBench(args))
  : args.includes("--event-engine")
    ? import("./event-engine.js").then((m) => m.eventEngineBench(args))
    : args.includes("--nir")
      ? import("./nir-conv.js").then((m) => m.nirConvBench(args))
      : main()
).catch((err: unknown) => {
  process.stderr.write(
    `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
