/**
 * What early exit buys and costs, measured through the pipeline's own frame processor (the code
 * the node and replay run, minus the worker hop): for each policy, accuracy, timesteps used,
 * synaptic operations, energy and engine time per frame, against running every tick.
 *
 *   npm run build && node dist/bench/early-exit.js [--model models/fashion-mnist-lif]
 *       [--data-dir test/fixtures/train/fashion-mnist] [--limit N] [--policies 0.5:10,1:10,2:20]
 *
 * A policy "margin:hold[:min]" stops once the leading class has led the runner-up by `margin`
 * (readout units) for `hold` consecutive ticks, and not before tick `min` (default: the readout
 * window's start + hold). Prints one JSON object.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { EarlyExitOptions } from "../decode/index.js";
import { energyRatio, ratioPhrase } from "../power/index.js";
import { loadModel } from "../snn/index.js";
import { createFrameProcessor } from "../stream/processor.js";
import type { RawImage } from "../stream/types.js";
import { loadFashionMnist } from "../train/datasets/fashion-mnist.js";
import { machine } from "./measure.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

interface PolicyFigures {
  policy: string;
  earlyExit: EarlyExitOptions | false;
  frames: number;
  accuracy: number;
  meanTimesteps: number;
  meanSynapticOps: number;
  meanEnergyPerFrame: number;
  energyUnit: string;
  /** The profile the energies are under, its ANN's mean energy per frame, and the ratio in words. */
  energyProfile: string;
  meanAnnEnergyPerFrame: number;
  energyComparison: string;
  meanEngineMs: number;
  p99EngineMs: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: "string", default: here("../../models/fashion-mnist-lif") },
      "data-dir": { type: "string", default: here("../../test/fixtures/train/fashion-mnist") },
      limit: { type: "string", default: "500" },
      policies: { type: "string", default: "0.5:10,1:10,1:20,2:20" },
    },
  });
  const model = await loadModel(values.model);
  const images = loadFashionMnist("test", values["data-dir"]);
  const count = Math.min(images.count, Number(values.limit));
  const [, h, w] = images.shape;
  const windowStart = model.spec.readout.window.start;

  const policies: [string, EarlyExitOptions | false][] = [["off", false]];
  for (const p of values.policies.split(",").filter(Boolean)) {
    const [margin, hold, min] = p.split(":").map(Number);
    if (!(margin >= 0) || !(hold >= 1)) {
      throw new Error(`--policies: "${p}" is not margin:hold[:min], e.g. 1:10`);
    }
    policies.push([p, { margin, holdTicks: hold, minTicks: min ?? windowStart + hold }]);
  }

  const results: PolicyFigures[] = [];
  for (const [name, earlyExit] of policies) {
    const processor = await createFrameProcessor({ model: values.model, earlyExit });
    let correct = 0;
    let ticks = 0;
    let synops = 0;
    let energy = 0;
    let annEnergy = 0;
    let unit = "";
    let profile = "";
    let annLabel = "ANN";
    const engineMs: number[] = [];
    for (let i = 0; i < count; i++) {
      const frame: RawImage = {
        header: { stamp: { sec: i, nanosec: 0 }, frame_id: "bench" },
        height: h,
        width: w,
        encoding: "mono8",
        is_bigendian: 0,
        step: w,
        data: images.pixels.slice(i * h * w, (i + 1) * h * w),
      };
      const out = await processor.process(i, { kind: "image", message: frame });
      if (out.type !== "result") {
        throw new Error(`frame ${i}: ${"message" in out ? out.message : out.type}`);
      }
      const r = out.result;
      if (r.classId === images.labels[i]) correct++;
      ticks += r.timestepsUsed;
      synops += r.counters.total.synapticOps;
      energy += r.energy.energyPerFrame;
      annEnergy += r.energy.annEnergyPerFrame;
      unit = r.energy.unit;
      profile = r.energy.profile;
      annLabel = r.energy.annLabel ?? annLabel;
      engineMs.push(r.timings.engine);
    }
    engineMs.sort((a, b) => a - b);
    results.push({
      policy: name,
      earlyExit,
      frames: count,
      accuracy: correct / count,
      meanTimesteps: ticks / count,
      meanSynapticOps: synops / count,
      meanEnergyPerFrame: energy / count,
      energyUnit: unit,
      energyProfile: profile,
      meanAnnEnergyPerFrame: annEnergy / count,
      energyComparison: ratioPhrase(energyRatio(annEnergy, energy), `the ${annLabel}`),
      meanEngineMs: engineMs.reduce((a, b) => a + b, 0) / count,
      p99EngineMs: engineMs[Math.min(count - 1, Math.floor(0.99 * count))],
    });
    process.stderr.write(
      `${name.padEnd(10)} accuracy ${(100 * (correct / count)).toFixed(1)}%  ` +
        `timesteps ${(ticks / count).toFixed(1)}  engine ${(engineMs.reduce((a, b) => a + b, 0) / count).toFixed(1)} ms  ` +
        `${profile}: ${ratioPhrase(energyRatio(annEnergy, energy), `the ${annLabel}`)}\n`,
    );
  }
  const base = results[0];
  const comparison = results.slice(1).map((r) => ({
    policy: r.policy,
    accuracyChangePoints: 100 * (r.accuracy - base.accuracy),
    timestepsSaved: 1 - r.meanTimesteps / base.meanTimesteps,
    synapticOpsSaved: 1 - r.meanSynapticOps / base.meanSynapticOps,
    engineTimeSaved: 1 - r.meanEngineMs / base.meanEngineMs,
  }));
  process.stdout.write(
    JSON.stringify(
      {
        model: model.spec.name,
        data: `${values["data-dir"]} (first ${count} test images)`,
        timesteps: model.spec.presentation.timesteps,
        readoutWindowStart: windowStart,
        machine: machine(),
        results,
        comparison,
      },
      null,
      2,
    ) + "\n",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`early-exit bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
