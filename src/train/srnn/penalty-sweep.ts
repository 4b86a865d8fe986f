/**
 * Accuracy, firing rate and energy across firing-rate penalty strengths (issue 14): gathers the
 * runs of a sweep (each a `spikenode train` output directory with its stream `eval-test.json`),
 * writes `<out>.json` (one row per strength, every figure with what it was measured on) and
 * draws `<out>.svg`/`.png` from that JSON alone:
 *
 *   npx tsx src/train/srnn/penalty-sweep.ts --out models/moving-fashion-srnn/penalty-sweep RUN...
 *   npx tsx src/train/srnn/penalty-sweep.ts --redraw models/moving-fashion-srnn/penalty-sweep
 *   npx tsx src/train/srnn/penalty-sweep.ts --out PATH --recorded MEASURED.json --model DIR
 *
 * `--recorded` takes the figures that `spikenode eval --json` printed for runs whose directories
 * were not kept (one row per strength: frameAccuracy, spikesPerNeuronPerStep, spikesPerFrame,
 * synopsPerFrame, inputOpsPerFrame, clips; clipAccuracy and the validation figures where known)
 * and the shipped model of the same sizes, and prices them exactly as a run directory's eval.
 *
 * Energy per frame is Yin et al.'s account (src/power/recurrent.ts) of one frame's ticks from the
 * measured spikes and input events, under the arithmetic and the memory-aware profile, beside the
 * same network stepped as a vanilla RNN (fp32 and int8) every tick.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  ProfileRegistry,
  compareSequenceEnergy,
  type SequenceEnergyComparison,
} from "../../power/index.js";
import { lineChartSvg, sideBySideSvg, svgToPng } from "../plot.js";

export const SWEEP_PROFILES = ["cmos45-horowitz", "cmos45-memory-lemaire2022"] as const;

/** One run of the sweep. */
export interface SweepRow {
  run: string;
  /** Where the figures come from: "run directory" or the recorded file's note. */
  source: string;
  /** The penalty: "l1" or "target" and its strength (0 = none). */
  penalty: { type: string; strength: number };
  epochs: number | null;
  validation: { accuracy: number | null; firingRate: number | null };
  /** Engine, continuous stream over the test clips (eval-test.json). */
  test: {
    clips: number;
    frameAccuracy: number;
    clipAccuracy: number | null;
    spikesPerNeuronPerStep: number;
    synopsPerFrame: number;
    inputOpsPerFrame: number;
  };
  /** Joules per frame by profile: the SNN, and the network as an RNN (fp32, int8). */
  energyPerFrame: Record<string, { snn: number; rnn: number; rnnInt8: number | null }>;
}

export interface SweepReport {
  model: string;
  dataset: string;
  ticksPerFrame: number;
  rows: SweepRow[];
}

class SweepError extends Error {
  readonly userFacing = true;
}

function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path))
    throw new SweepError(
      `${path}: missing; each run needs model.json, checkpoint/ and eval-test.json (spikenode eval --json --out)`,
    );
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new SweepError(`${path}: cannot read it as JSON (${(error as Error).message})`);
  }
}

/** One frame's energy under each profile from a stream eval and the model's sizes. */
function frameEnergy(
  model: Record<string, unknown>,
  ev: Record<string, unknown>,
): SweepRow["energyPerFrame"] {
  const layers = model.layers as { type: string; weights?: { shape: number[] } }[];
  const hidden = layers.filter((l) => l.type === "recurrent_dense").map((l) => l.weights!.shape[0]);
  const inputs = layers.find((l) => l.type === "recurrent_dense")!.weights!.shape[1];
  const shape = {
    steps: Number(ev.ticksPerFrame),
    inputSize: inputs,
    hidden,
    outputs: (model.labels as string[]).length,
  };
  const registry = new ProfileRegistry();
  const out: SweepRow["energyPerFrame"] = {};
  for (const name of SWEEP_PROFILES) {
    const c: SequenceEnergyComparison = compareSequenceEnergy(
      shape,
      // The stream's hidden spikes per frame (the readout does not spike) and its input events'
      // accumulates per frame, as eval measured them.
      {
        layerSpikesPerSample: [Number(ev.spikesPerFrame)],
        inputAcsPerSample: Number(ev.inputOpsPerFrame),
      },
      registry.get(name),
    );
    out[name] = {
      snn: c.snn.energy,
      rnn: c.rnn.energy,
      rnnInt8: c.variants.find((v) => v.name === "int8 ANN")?.rnn.energy ?? null,
    };
  }
  return out;
}

/** Gather the runs into a report (sorted by strength). */
export function gatherSweep(runs: string[]): SweepReport {
  if (runs.length === 0) throw new SweepError("give at least one run directory");
  let first: { model: string; dataset: string; ticks: number } | null = null;
  const rows = runs.map((run): SweepRow => {
    const model = readJson(join(run, "model.json"));
    const ev = readJson(join(run, "eval-test.json"));
    if (typeof ev.frameAccuracy !== "number")
      throw new SweepError(
        `${join(run, "eval-test.json")}: not a stream eval (no frameAccuracy); the sweep compares streaming models`,
      );
    const ck = readJson(join(run, "checkpoint", "checkpoint.json"));
    const config = (ck.config ?? {}) as { sparsity?: { type: string; strength: number } };
    const history = (readJson(join(run, "training.json")).history ?? []) as Record<
      string,
      unknown
    >[];
    const last = history.at(-1) ?? {};
    first ??= {
      model: String(model.name),
      dataset: String(ev.dataset),
      ticks: Number(ev.ticksPerFrame),
    };
    if (Number(ev.ticksPerFrame) !== first.ticks)
      throw new SweepError(
        `${run}: ${String(ev.ticksPerFrame)} ticks per frame, the first run ${first.ticks}; compare runs of the same presentation`,
      );
    return {
      run: String(model.name),
      source: "run directory",
      penalty: config.sparsity ?? { type: "none", strength: 0 },
      epochs: history.length,
      validation: {
        accuracy: Number(last.valAccuracy),
        firingRate: typeof last.valFiringRate === "number" ? last.valFiringRate : null,
      },
      test: {
        clips: Number(ev.clips),
        frameAccuracy: Number(ev.frameAccuracy),
        clipAccuracy: Number(ev.clipAccuracy),
        spikesPerNeuronPerStep: Number(ev.spikesPerNeuronPerStep),
        synopsPerFrame: Number(ev.synopsPerFrame),
        inputOpsPerFrame: Number(ev.inputOpsPerFrame),
      },
      energyPerFrame: frameEnergy(model, ev),
    };
  });
  rows.sort((a, b) => a.penalty.strength - b.penalty.strength);
  return { model: first!.model, dataset: first!.dataset, ticksPerFrame: first!.ticks, rows };
}

/** One strength's figures as eval printed them (a run whose directory was not kept). */
export interface RecordedRow {
  /** Where this row was measured, when not the file's note (e.g. the shipped model's eval). */
  source?: string;
  penalty: { type: string; strength: number };
  clips: number;
  frameAccuracy: number;
  clipAccuracy?: number | null;
  spikesPerNeuronPerStep: number;
  spikesPerFrame: number;
  synopsPerFrame: number;
  inputOpsPerFrame: number;
  epochs?: number | null;
  validation?: { accuracy: number | null; firingRate: number | null };
}

export interface RecordedSweep {
  /** When, where and how the figures were measured. */
  note: string;
  dataset: string;
  ticksPerFrame: number;
  rows: RecordedRow[];
}

/**
 * Rows from recorded eval figures, priced with the sizes of `modelDir` (every run of the sweep
 * has the shipped model's sizes; only the penalty strength differs). Each row is checked for the
 * identity the engine's counters obey (synaptic ops = input events + spikes × fan-out), so a
 * mistyped figure is caught rather than drawn.
 */
export function recordedSweep(recorded: RecordedSweep, modelDir: string): SweepReport {
  const model = readJson(join(modelDir, "model.json"));
  const layers = model.layers as { type: string; weights?: { shape: number[] } }[];
  const fanOut = layers
    .filter((l) => l.type === "recurrent_dense" || l.type === "dense")
    .map((l) => l.weights!.shape[0])
    .reduce((a, b) => a + b, 0);
  const rows = recorded.rows.map((r): SweepRow => {
    const expected = r.inputOpsPerFrame + r.spikesPerFrame * fanOut;
    if (Math.abs(expected - r.synopsPerFrame) > 1)
      throw new SweepError(
        `recorded row λ=${r.penalty.strength}: synopsPerFrame ${r.synopsPerFrame} is not input events ${r.inputOpsPerFrame} + spikes ${r.spikesPerFrame} × fan-out ${fanOut} = ${expected.toFixed(1)}; correct the row from the run's eval output`,
      );
    const ev = { ...r, ticksPerFrame: recorded.ticksPerFrame };
    return {
      run: String(model.name),
      source: r.source ?? recorded.note,
      penalty: r.penalty,
      epochs: r.epochs ?? null,
      validation: r.validation ?? { accuracy: null, firingRate: null },
      test: {
        clips: r.clips,
        frameAccuracy: r.frameAccuracy,
        clipAccuracy: r.clipAccuracy ?? null,
        spikesPerNeuronPerStep: r.spikesPerNeuronPerStep,
        synopsPerFrame: r.synopsPerFrame,
        inputOpsPerFrame: r.inputOpsPerFrame,
      },
      energyPerFrame: frameEnergy(model, ev as unknown as Record<string, unknown>),
    };
  });
  rows.sort((a, b) => a.penalty.strength - b.penalty.strength);
  return {
    model: String(model.name),
    dataset: recorded.dataset,
    ticksPerFrame: recorded.ticksPerFrame,
    rows,
  };
}

const nJ = (j: number) => j * 1e9;

const spread = (v: number[], pad = 0.08): { min: number; max: number } => {
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const d = (hi - lo || Math.abs(hi) || 1) * pad;
  return { min: lo - d, max: hi + d };
};

/**
 * Three panels: per-frame accuracy against the SNN's energy per frame under each profile (the
 * same network as an RNN stated in the axis label: it sits 1-2 orders of magnitude to the right),
 * and against the firing rate. Each point is one strength λ.
 */
export function sweepSvg(report: SweepReport): string {
  const labels = report.rows.map((r) => `λ=${r.penalty.strength}`);
  const acc = (r: SweepRow) => 100 * r.test.frameAccuracy;
  const y = spread(report.rows.map(acc), 0.12);
  const H = 440;
  const W = 520;
  const panel = (
    id: string,
    title: string,
    xLabel: string,
    x: (r: SweepRow) => number,
    color: number,
  ) => {
    const points = report.rows.map((r): [number, number] => [x(r), acc(r)]);
    const xr = spread(points.map((q) => q[0]));
    return lineChartSvg([{ label: "", points, pointLabels: labels, markersOnly: true, color }], {
      title,
      xLabel,
      yLabel: "per-frame accuracy, engine test stream (%)",
      width: W,
      height: H,
      legend: false,
      xMin: xr.min,
      xMax: xr.max,
      yMin: y.min,
      yMax: y.max,
      id,
    });
  };
  const e0 = report.rows[0].energyPerFrame;
  const charts = SWEEP_PROFILES.map((p, i) =>
    panel(
      `e${i}`,
      `energy per frame, ${p}`,
      `SNN nJ per frame (${report.ticksPerFrame} ticks); as an RNN: fp32 ${nJ(e0[p].rnn).toFixed(0)}, int8 ${e0[p].rnnInt8 === null ? "?" : nJ(e0[p].rnnInt8).toFixed(0)}`,
      (r) => nJ(r.energyPerFrame[p].snn),
      i,
    ),
  );
  charts.push(
    panel(
      "rate",
      "firing rate",
      "spikes per neuron per step (all layers)",
      (r) => r.test.spikesPerNeuronPerStep,
      2,
    ),
  );
  return sideBySideSvg(
    charts,
    charts.map(() => W),
    H,
  );
}

export async function writeSweep(report: SweepReport, out: string): Promise<void> {
  writeFileSync(`${out}.json`, JSON.stringify(report, null, 2) + "\n");
  const svg = sweepSvg(report);
  writeFileSync(`${out}.svg`, svg);
  await svgToPng(svg, `${out}.png`);
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf("--redraw");
  if (i >= 0) {
    const out = argv[i + 1];
    const report = readJson(`${out}.json`) as unknown as SweepReport;
    await writeSweep(report, out);
    console.log(`redrew ${out}.svg and ${out}.png from ${out}.json`);
    return;
  }
  const o = argv.indexOf("--out");
  if (o < 0 || !argv[o + 1])
    throw new SweepError(
      "usage: penalty-sweep.ts --out <path without extension> RUN_DIR... | --redraw <path>",
    );
  const out = argv[o + 1];
  const rec = argv.indexOf("--recorded");
  const mod = argv.indexOf("--model");
  let report: SweepReport;
  if (rec >= 0) {
    if (mod < 0 || !argv[mod + 1] || !argv[rec + 1])
      throw new SweepError("--recorded FILE needs --model DIR (the model of the sweep's sizes)");
    report = recordedSweep(readJson(argv[rec + 1]) as unknown as RecordedSweep, argv[mod + 1]);
  } else {
    const runs = argv.filter((_, k) => k !== o && k !== o + 1);
    report = gatherSweep(runs);
  }
  await writeSweep(report, out);
  for (const r of report.rows)
    console.log(
      `λ=${r.penalty.strength}: ${(100 * r.test.frameAccuracy).toFixed(2)} % per frame, ${r.test.spikesPerNeuronPerStep.toFixed(4)} spikes/neuron/step, ${Math.round(r.test.synopsPerFrame)} synops/frame, ${nJ(r.energyPerFrame["cmos45-horowitz"].snn).toFixed(3)} nJ/frame (cmos45-horowitz)`,
    );
  console.log(`wrote ${out}.json, ${out}.svg, ${out}.png`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`penalty-sweep: ${(error as Error).message}`);
    process.exit(1);
  });
}
