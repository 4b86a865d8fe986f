/** `spikenode eval`: see src/cli/commands/eval.ts for the options. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import type { MovingPresentation } from "./moving-eval.js";
import { userError } from "./config.js";
import type { DatasetName } from "./datasets/index.js";
import { energyUnits, si } from "../power/index.js";
import { evalEnergy, evalProfiles, type EvalEnergy } from "./eval-energy.js";
import { accuracyPlotSvg, evaluateModel, type EvalReport } from "./evaluate.js";
import { svgToPng } from "./plot.js";
import { parseSynapseName, type InitialVoltageChoice } from "./spiking-eval.js";
import { parseFraming } from "./camera-frames.js";

interface EvalCliOptions {
  model?: string;
  dataset?: string;
  report?: string;
  split: string;
  limit?: string;
  timesteps?: string;
  synapses: string;
  threads?: string;
  dataDir?: string;
  plot?: string;
  out?: string;
  record?: string;
  presentation?: string;
  powerProfile?: string;
  framing: string;
  initialVoltage: string;
  json: boolean;
  progress: boolean;
  progressSeconds: string;
}

/**
 * Progress on stderr (stdout keeps the report): a bar on a terminal; elsewhere (a log, CI, a
 * pipe) a line every --progress-seconds, as `train` prints. --no-progress silences both.
 */
function progressReporter(
  o: EvalCliOptions,
  what: string,
): { update: (done: number, total: number) => void; stop: () => void } {
  const seconds = Number(o.progressSeconds);
  if (!(seconds > 0) || !Number.isFinite(seconds))
    throw userError(`--progress-seconds must be a positive number, got "${o.progressSeconds}"`);
  if (!o.progress) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: `${what} [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 1000 * seconds,
    },
    cliProgress.Presets.legacy,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw userError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

const count = (x: number) => Math.round(x).toLocaleString("en-US");

export function formatReport(r: EvalReport): string {
  const s = r.spiking;
  const rateNet = r.rate?.meanRateHz;
  const lines = [
    `${r.model} on ${r.dataset} ${r.split}${r.framing && r.framing !== "native" ? ` (${r.framing} framing)` : ""}: ${r.images} images, ${r.threads} thread(s), ${r.seconds.toFixed(1)} s`,
    r.rate !== null
      ? `rate network:  ${pct(r.rate.accuracy)}`
      : `rate network:  - (${r.rateNote ?? "none"})`,
    `spiking:       ${pct(s.accuracy)}  (synapse ${s.synapse}, ${s.timesteps} steps, readout window [${s.window[0]}, ${s.window[1]}))`,
    `synaptic ops:  ${count(s.synopsPerImage)} per image; spikes ${count(s.spikesPerImage)} per image; mean rate ${s.meanRateHz.toFixed(1)} Hz = ${(s.spikesPerNeuronPerStep ?? 0).toFixed(4)} spikes/neuron/step`,
    `               of which ${count(s.inputOpsPerImage ?? 0)} driven by input values (MACs under constant/rows/pixel_windows encoders), the rest by spikes`,
    `conventional:  ${count(s.annMacsPerImage ?? 0)} multiply-accumulates per image for the same network run as an ANN/RNN`,
    `layer  neurons  rate (spiking)  spikes/neuron/step  rate (rate net)  synops/image`,
    ...s.layers.map(
      (l, i) =>
        `${String(l.layer).padStart(5)}  ${String(l.neurons).padStart(7)}  ${l.rateHz.toFixed(1).padStart(11)} Hz  ${(l.spikesPerNeuronPerStep ?? 0).toFixed(4).padStart(18)}  ${(rateNet?.[i] == null ? "-" : rateNet[i].toFixed(1) + " Hz").padStart(15)}  ${count(l.synopsPerImage).padStart(12)}`,
    ),
  ];
  if (r.energy) lines.push(...formatEnergy(r.energy));
  if (r.sweepNote) lines.push(r.sweepNote);
  for (const syn of r.perSynapse) {
    const pts = r.sweep.filter((p) => p.synapse === syn.synapse);
    if (pts.length === 0) continue;
    lines.push(
      `sweep ${syn.synapse}: ` +
        pts.map((p) => `T${p.timesteps}[${p.start},${p.timesteps}) ${pct(p.accuracy)}`).join("  "),
    );
  }
  return lines.join("\n");
}

/** Energy per image under each profile, with the direction of every ratio in words. */
export function formatEnergy(e: EvalEnergy): string[] {
  const lines = [
    `energy per image (every tick, no early exit): ${e.spikesPerSynapse.toFixed(2)} spikes per synapse (spike-driven ops / synapses carrying spikes; Dampfhoffer et al. 2023 put the break-even at 0.15-1.38)`,
  ];
  for (const p of e.profiles) {
    const u = energyUnits(p.unit).energy;
    const beside = p.baselines.map(
      (b) => `; the ${b.name} ${si(b.energyPerImage, u)}: ${b.comparison}`,
    );
    lines.push(
      `  ${p.profile} (${p.model}): ${si(p.energyPerImage, u)}; the ${p.annLabel} ${si(p.annEnergyPerImage, u)}: ${p.comparison}${beside.join("")}`,
    );
  }
  return lines;
}

/** --power-profile a,b: those profiles; default every built-in. */
function chosenProfiles(o: EvalCliOptions) {
  const names = o.powerProfile
    ?.split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  try {
    return evalProfiles(names);
  } catch (err) {
    throw userError(`--power-profile: ${(err as Error).message}`);
  }
}

export async function runEval(command: Command): Promise<void> {
  const o = command.opts<EvalCliOptions>();
  if (o.report) {
    let saved: EvalReport;
    try {
      saved = JSON.parse(readFileSync(o.report, "utf8")) as EvalReport;
    } catch (err) {
      throw userError(`cannot read report ${o.report}: ${(err as Error).message}`);
    }
    // With --model, the energy is (re)computed from the saved counts under today's profiles.
    if (o.model) {
      const { loadModel } = await import("../snn/model-file.js");
      const model = await loadModel(o.model);
      const s = saved.spiking;
      saved.energy = evalEnergy(
        model,
        { timesteps: s.timesteps, inputOpsPerImage: s.inputOpsPerImage, layers: s.layers },
        chosenProfiles(o),
      );
    }
    await output(o, saved);
    return;
  }
  if (!o.model || !o.dataset)
    throw userError("--model and --dataset are required (or --report <file.json>)");
  const modelDir = o.model;
  if (o.dataset === "moving-fashion-mnist") {
    await runMovingEval(o, modelDir);
    return;
  }
  if (o.presentation !== undefined)
    throw userError("--presentation applies to --dataset moving-fashion-mnist only");
  const datasets = ["fashion-mnist", "mnist", "cifar10", "moving-fashion-mnist"];
  // nmnist is dispatched before here, by src/cli/commands/eval.ts (src/cli/eval-nmnist.ts).
  if (!datasets.includes(o.dataset))
    throw userError(
      `--dataset must be one of ${[...datasets, "nmnist"].join(", ")}, got "${o.dataset}"`,
    );
  if (o.split !== "test" && o.split !== "train" && o.split !== "validation")
    throw userError(`--split must be test, train or validation, got "${o.split}"`);
  const synapses = o.synapses
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  synapses.forEach(parseSynapseName);
  const progress = progressReporter(o, "eval");
  const report = await evaluateModel({
    modelDir,
    dataset: o.dataset as DatasetName,
    split: o.split,
    limit: positiveInt(o.limit, "--limit"),
    timesteps: positiveInt(o.timesteps, "--timesteps"),
    synapses,
    threads: positiveInt(o.threads, "--threads"),
    dataDir: o.dataDir,
    profiles: chosenProfiles(o),
    onProgress: progress.update,
    framing: parseFraming(o.framing),
    initialVoltage: parseInitialVoltage(o.initialVoltage),
  });
  progress.stop();
  if (o.out) writeFileSync(o.out, JSON.stringify(report, null, 2) + "\n");
  if (o.record) recordAccuracy(modelDir, o.record, report);
  await output(o, report);
}

/** A stream model on the moving Fashion-MNIST test clips (src/train/moving-eval.ts). */
async function runMovingEval(o: EvalCliOptions, modelDir: string): Promise<void> {
  if (o.split !== "test")
    throw userError(`--split ${o.split}: moving-fashion-mnist is evaluated on its test clips only`);
  if (o.framing !== "native")
    throw userError(
      `--framing ${o.framing}: moving-fashion-mnist clips are camera frames already; camera framing applies to image datasets`,
    );
  if (o.presentation !== undefined && !["reset", "continuous", "clip"].includes(o.presentation))
    throw userError(`--presentation must be reset, continuous or clip, got "${o.presentation}"`);
  for (const [flag, v] of [
    ["--timesteps", o.timesteps],
    ["--plot", o.plot],
    ["--record", o.record],
  ] as const)
    if (v !== undefined)
      throw userError(
        `${flag} does not apply to moving-fashion-mnist (the model fixes ticks per frame)`,
      );
  const { evaluateMovingStream, formatMovingReport } = await import("./moving-eval.js");
  const progress = progressReporter(o, "eval clips");
  const report = await evaluateMovingStream({
    modelDir,
    limit: positiveInt(o.limit, "--limit"),
    presentation: o.presentation as MovingPresentation | undefined,
    dataDir: o.dataDir,
    onProgress: progress.update,
  });
  progress.stop();
  if (o.out) writeFileSync(o.out, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(
    o.json ? JSON.stringify(report, null, 2) + "\n" : formatMovingReport(report) + "\n",
  );
}

async function output(o: EvalCliOptions, report: EvalReport): Promise<void> {
  if (o.plot && report.sweep.length === 0) {
    process.stderr.write(`--plot ${o.plot}: skipped, ${report.sweepNote ?? "no timestep sweep"}\n`);
  } else if (o.plot) {
    const svg = accuracyPlotSvg(report);
    writeFileSync(o.plot, svg);
    await svgToPng(svg, o.plot.replace(/\.svg$/i, "") + ".png");
  }
  process.stdout.write(
    o.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report) + "\n",
  );
}

/** Writes the headline figures into model.json's provenance.accuracy[key] (weights untouched). */
export function recordAccuracy(modelDir: string, key: string, r: EvalReport): void {
  const file = modelDir.endsWith(".json") ? modelDir : join(modelDir, "model.json");
  const json = JSON.parse(readFileSync(file, "utf8")) as {
    provenance: { accuracy?: Record<string, unknown> };
  };
  json.provenance.accuracy = {
    ...(json.provenance.accuracy ?? {}),
    [key]: {
      dataset: r.dataset,
      split: r.split,
      images: r.images,
      spiking: r.spiking.accuracy,
      rate: r.rate?.accuracy ?? null,
      ...(r.rateNote ? { rateNote: r.rateNote } : {}),
      spikesPerNeuronPerStep: r.spiking.spikesPerNeuronPerStep,
      synapse: r.spiking.synapse,
      timesteps: r.spiking.timesteps,
      window: r.spiking.window,
      synopsPerImage: Math.round(r.spiking.synopsPerImage),
      measured: new Date().toISOString(),
    },
  };
  writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
}

function parseInitialVoltage(v: string): InitialVoltageChoice {
  if (v === "model" || v === "zero" || v === "uniform") return v;
  throw userError(`--initial-voltage must be model, zero or uniform, got "${v}"`);
}
