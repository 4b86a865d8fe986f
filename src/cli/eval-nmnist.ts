/**
 * `spikenode eval --dataset nmnist --data PATH`: options, the summary (accuracy, per class, the
 * confusion matrix as a table, the binning, events, spikes and energy per recording with each
 * profile's direction in words) or JSON, and --plot as the confusion matrix in SVG. The
 * evaluation itself is src/train/nmnist-eval.ts.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { confusionSvg } from "./confusion-svg.js";
import { UserError } from "./fatal.js";
import { formatEnergy } from "../train/cli-eval.js";
import { evalProfiles } from "../train/eval-energy.js";
import { evaluateNmnist, type NmnistEvalReport } from "../train/nmnist-eval.js";

interface NmnistCliOptions {
  model?: string;
  data?: string;
  dataDir?: string;
  label?: string;
  split: string;
  limit?: string;
  timesteps?: string;
  synapses: string;
  threads?: string;
  presentation?: string;
  record?: string;
  report?: string;
  plot?: string;
  out?: string;
  powerProfile?: string;
  json: boolean;
  progress: boolean;
  progressSeconds: string;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const count = (x: number) => Math.round(x).toLocaleString("en-US");
const num = (x: number, d = 1) => x.toFixed(d);

/** The confusion matrix as a text table: rows the true digit, columns the predicted one. */
export function confusionTable(classes: readonly string[], confusion: number[][]): string[] {
  const cell = Math.max(3, ...confusion.flat().map((v) => String(v).length));
  const name = Math.max(...classes.map((c) => c.length));
  const pad = (x: string | number) => String(x).padStart(cell);
  return [
    "confusion matrix (rows: true class, columns: predicted class):",
    `  ${" ".repeat(name)} ${classes.map(pad).join(" ")}`,
    ...confusion.map((row, i) => `  ${classes[i].padEnd(name)} ${row.map(pad).join(" ")}`),
  ];
}

export function formatNmnistReport(r: NmnistEvalReport): string {
  const b = r.binning;
  const e = r.events;
  const s = r.spiking;
  const seen = r.perClass.filter((c) => c.labelled > 0);
  const lines = [
    `${r.model} on N-MNIST ${r.split} (${r.data}): ${r.samples} recordings, ${r.threads} thread(s), ${r.seconds.toFixed(1)} s`,
    `accuracy:      ${pct(r.accuracy)}  (chance ${pct(r.chance)}; readout ${r.presentation.readout} over ticks [${r.presentation.window[0]}, ${r.presentation.window[1]}) of ${r.presentation.timesteps})`,
    `per class:     ${seen.map((c) => `${c.class} ${(100 * (c.accuracy ?? 0)).toFixed(1)}% (${c.correct}/${c.labelled})`).join(", ")}`,
    ...confusionTable(
      r.perClass.map((c) => c.class),
      r.confusion,
    ),
    `binning:       ${b.frameSeconds * 1000} ms frames counted from each recording's first event, one per tick; sensor ${b.sensor[0]}×${b.sensor[1]}, roi ${b.roi.width}×${b.roi.height} at (${b.roi.x}, ${b.roi.y}), downsample ${b.downsample} → input [${b.input.join(", ")}], gain ${b.gain}${b.refractorySeconds > 0 ? `, refractory ${b.refractorySeconds * 1000} ms` : ""}`,
    `events:        ${count(e.perSample)} per recording, ${count(e.presentedPerSample)} presented; dropped: ${count(e.outsideRoiPerSample)} outside the roi, ${count(e.refractoryPerSample)} refractory, ${count(e.latePerSample)} out of order, ${count(e.pastPresentationPerSample)} past tick ${r.presentation.timesteps}`,
    `frames:        ${num(e.framesPerSample)} per recording (longest ${e.maxFrames}); ${e.cutSamples} recording(s) longer than the ${r.presentation.timesteps} ticks presented`,
    `synaptic ops:  ${count(s.synopsPerImage)} per recording, of which ${count(s.inputOpsPerImage)} driven by input events; spikes ${count(s.spikesPerImage)}; mean rate ${num(s.meanRateHz)} Hz = ${s.spikesPerNeuronPerStep.toFixed(4)} spikes/neuron/step`,
    `conventional:  ${count(s.annMacsPerImage)} multiply-accumulates per recording for the same network run once as an ANN (on one frame of the recording's counts)`,
    `layer  neurons  rate (spiking)  spikes/neuron/step  synops/recording`,
    ...s.layers.map(
      (l) =>
        `${String(l.layer).padStart(5)}  ${String(l.neurons).padStart(7)}  ${l.rateHz.toFixed(1).padStart(11)} Hz  ${l.spikesPerNeuronPerStep.toFixed(4).padStart(18)}  ${count(l.synopsPerImage).padStart(16)}`,
    ),
    ...formatEnergy(r.energy).map((l) => l.replace("energy per image", "energy per recording")),
  ];
  return lines.join("\n");
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

export async function runNmnistEval(command: Command): Promise<void> {
  const o = command.opts<NmnistCliOptions>();
  if (!o.model) throw new UserError("--model is required: the model directory to evaluate");
  const data = o.data ?? o.dataDir;
  if (!data)
    throw new UserError(
      "--dataset nmnist needs --data PATH: the N-MNIST folder (Test/0 … Test/9 of .bin recordings) or one .bin with --label <digit>",
    );
  if (o.split !== "test" && o.split !== "train")
    throw new UserError(`--split must be test or train for N-MNIST, got "${o.split}"`);
  const notHere: [string, unknown][] = [
    ["--timesteps", o.timesteps],
    ["--presentation", o.presentation],
    ["--record", o.record],
    ["--report", o.report],
  ];
  for (const [flag, v] of notHere)
    if (v !== undefined)
      throw new UserError(
        `${flag} does not apply to --dataset nmnist (each recording runs the model's presentation.timesteps ticks, one frame each)`,
      );
  if (o.synapses !== "model")
    throw new UserError("--synapses does not apply to --dataset nmnist (the model's synapses run)");
  let label: number | undefined;
  if (o.label !== undefined) {
    label = Number(o.label);
    if (!/^[0-9]$/.test(o.label))
      throw new UserError(`--label must be a digit 0-9, got "${o.label}"`);
  }
  let profiles;
  try {
    profiles = evalProfiles(
      o.powerProfile
        ?.split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    );
  } catch (err) {
    throw new UserError(`--power-profile: ${(err as Error).message}`);
  }
  const every = Number(o.progressSeconds);
  if (!(every > 0) || !Number.isFinite(every))
    throw new UserError(`--progress-seconds must be a positive number, got "${o.progressSeconds}"`);
  let lastLine = 0;
  const report = await evaluateNmnist({
    modelDir: o.model,
    data,
    split: o.split,
    label,
    limit: positiveInt(o.limit, "--limit"),
    threads: positiveInt(o.threads, "--threads"),
    profiles,
    onProgress: o.progress
      ? (done, total) => {
          const now = performance.now();
          if (done === total || now - lastLine > 1000 * every) {
            lastLine = now;
            process.stderr.write(`eval nmnist: ${done}/${total} recordings\n`);
          }
        }
      : undefined,
  });
  if (o.out) writeFileSync(o.out, JSON.stringify(report, null, 2) + "\n");
  if (o.plot) {
    writeFileSync(
      o.plot,
      confusionSvg({
        title: `${report.model} on N-MNIST ${report.split}: ${(100 * report.accuracy).toFixed(1)} % of ${report.samples} recordings`,
        classes: report.perClass.map((c) => c.class),
        confusion: report.confusion,
      }),
    );
  }
  process.stdout.write(
    o.json ? JSON.stringify(report, null, 2) + "\n" : formatNmnistReport(report) + "\n",
  );
}
