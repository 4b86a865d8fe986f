/**
 * The accuracy–energy picture (issue 13): accuracy against energy per frame, log axis, under one
 * hardware profile, from reports our own commands wrote: `spikenode eval --out` reports (one
 * point per report: its accuracy at the timesteps it ran, energy every tick) and `spikenode
 * replay` summaries (early-exit policies: the mean ticks each frame got). The ANN's energy of the
 * same network is a vertical line, so everything left of it is cheaper than the ANN.
 *
 *   npx tsx src/train/accuracy-energy.ts --profile cmos45-horowitz --out DIR/accuracy-energy \
 *     "new model=eval-T40.json,eval-T30.json" "new, early exit=replay-ee.json" "previous=eval-old.json"
 *
 * Each positional argument is `series label=file[,file...]`; `<out>.json` keeps every point with
 * the file it came from, and `--redraw <out>` draws the picture again from that JSON alone.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { lineChartSvg, svgToPng, type Series } from "./plot.js";

export interface EnergyPoint {
  /** Where it was measured: the report file's name. */
  source: string;
  /** What produced it, e.g. "T40" or "early exit 0.5:3, 31.2 ticks". */
  setting: string;
  images: number;
  accuracy: number;
  /** Joules (or the profile's unit) per frame. */
  energy: number;
  /** The same network as an ANN under the profile (the vertical line). */
  annEnergy: number;
  annLabel: string;
}

export interface EnergySeries {
  label: string;
  points: EnergyPoint[];
}

export interface AccuracyEnergyReport {
  profile: string;
  unit: string;
  series: EnergySeries[];
}

interface EvalReportLike {
  model: string;
  images: number;
  spiking: { accuracy: number; timesteps: number; window?: [number, number] };
  energy: {
    profiles: {
      profile: string;
      unit: string;
      energyPerImage: number;
      annEnergyPerImage: number;
      annLabel?: string;
    }[];
  };
}

interface ReplaySummaryLike {
  classified: number;
  earlyExit: { margin: number; hold: number; minTicks?: number } | null;
  ticksPerFrame: number | null;
  energy: {
    profile: string;
    unit: string;
    perFrame: number;
    annPerFrame: number;
    annLabel?: string;
  } | null;
  accuracy: { accuracy: number; labelled: number } | null;
}

function fail(file: string, what: string): never {
  throw Object.assign(
    new Error(
      `${file}: ${what}; give a report of \`spikenode eval --out\` or a summary of \`spikenode replay\` (with --labels)`,
    ),
    { userFacing: true },
  );
}

/** One point from an eval report or a replay summary, priced under `profile`. */
export function pointFromReport(file: string, json: unknown, profile: string): EnergyPoint {
  const source = basename(file);
  if (typeof json !== "object" || json === null) fail(file, "not a JSON object");
  if ("spiking" in json && "energy" in json) {
    const r = json as EvalReportLike;
    const p = r.energy.profiles.find((x) => x.profile === profile);
    if (!p) fail(file, `no energy under profile "${profile}" (eval --power-profile ${profile})`);
    return {
      source,
      setting: r.spiking.window
        ? `T${r.spiking.timesteps} [${r.spiking.window[0]},${r.spiking.window[1]})`
        : `T${r.spiking.timesteps}`,
      images: r.images,
      accuracy: r.spiking.accuracy,
      energy: p.energyPerImage,
      annEnergy: p.annEnergyPerImage,
      annLabel: p.annLabel ?? "ANN",
    };
  }
  if ("classified" in json && "energy" in json) {
    const r = json as ReplaySummaryLike;
    if (!r.energy) fail(file, "the replay summary has no energy");
    if (r.energy.profile !== profile)
      fail(
        file,
        `energy is under "${r.energy.profile}", not "${profile}" (replay --power-profile)`,
      );
    if (!r.accuracy) fail(file, "the replay summary has no accuracy (replay --labels FILE)");
    const ee = r.earlyExit;
    const ticks = r.ticksPerFrame === null ? "" : `, ${r.ticksPerFrame.toFixed(1)} ticks`;
    return {
      source,
      setting: ee
        ? `early exit ${ee.margin}:${ee.hold}${ee.minTicks ? `:${ee.minTicks}` : ""}${ticks}`
        : `every tick${ticks}`,
      images: r.accuracy.labelled,
      accuracy: r.accuracy.accuracy,
      energy: r.energy.perFrame,
      annEnergy: r.energy.annPerFrame,
      annLabel: r.energy.annLabel ?? "ANN",
    };
  }
  fail(file, "neither an eval report (spiking, energy) nor a replay summary (classified, energy)");
}

/** The picture, from the report alone. */
export function accuracyEnergySvg(report: AccuracyEnergyReport): string {
  const series: Series[] = report.series.map((s) => ({
    label: s.label,
    points: s.points.map((p) => [p.energy * 1e6, p.accuracy * 100] as [number, number]),
    pointLabels: s.points.map((p) => p.setting),
  }));
  const anns = new Map<string, number>();
  for (const s of report.series)
    for (const p of s.points)
      anns.set(`${p.annLabel} ${(p.annEnergy * 1e6).toFixed(1)} µJ`, p.annEnergy * 1e6);
  const xs = [...series.flatMap((s) => s.points.map((p) => p[0])), ...anns.values()];
  const unit = report.unit === "J" ? "µJ" : `µ${report.unit}`;
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  return lineChartSvg(series, {
    title: `Accuracy vs energy per frame (${report.profile})`,
    xLabel: `energy per frame, ${unit} (log)`,
    yLabel: "accuracy, %",
    logX: true,
    xMin: Math.min(...xs) / 1.3,
    xMax: Math.max(...xs) * 1.3,
    yMin: Math.floor(Math.min(...ys) - 1),
    yMax: Math.ceil(Math.max(...ys) + 1),
    markers: [...anns].map(([label, x]) => ({ x, label })),
    width: 860,
    height: 440,
    legendWidth: 260,
  });
}

export function buildReport(profile: string, specs: string[]): AccuracyEnergyReport {
  let unit = "J";
  const series = specs.map((spec) => {
    const eq = spec.indexOf("=");
    if (eq < 1)
      throw Object.assign(new Error(`"${spec}": expected "series label=file[,file...]"`), {
        userFacing: true,
      });
    const files = spec
      .slice(eq + 1)
      .split(",")
      .filter(Boolean);
    const points = files.map((f) => {
      const json = JSON.parse(readFileSync(f, "utf8")) as unknown;
      const p = pointFromReport(f, json, profile);
      const u = (
        json as { energy?: { unit?: string; profiles?: { profile: string; unit: string }[] } }
      ).energy;
      unit = u?.profiles?.find((x) => x.profile === profile)?.unit ?? u?.unit ?? unit;
      return p;
    });
    points.sort((a, b) => a.energy - b.energy);
    return { label: spec.slice(0, eq), points };
  });
  return { profile, unit, series };
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    argv.splice(i, 2);
    return v;
  };
  const redraw = arg("--redraw");
  const out = redraw ?? arg("--out");
  const profile = arg("--profile") ?? "cmos45-horowitz";
  if (!out)
    throw new Error(
      "usage: accuracy-energy.ts --out PATH [--profile P] 'label=a.json,b.json' ... | --redraw PATH",
    );
  const report = redraw
    ? (JSON.parse(readFileSync(`${out}.json`, "utf8")) as AccuracyEnergyReport)
    : buildReport(profile, argv);
  if (!redraw) writeFileSync(`${out}.json`, JSON.stringify(report, null, 2) + "\n");
  const svg = accuracyEnergySvg(report);
  writeFileSync(`${out}.svg`, svg);
  await svgToPng(svg, `${out}.png`);
  for (const s of report.series)
    for (const p of s.points)
      console.log(
        `${s.label} ${p.setting}: ${(p.accuracy * 100).toFixed(2)} % at ${(p.energy * 1e6).toFixed(2)} µJ (${p.annLabel} ${(p.annEnergy * 1e6).toFixed(2)} µJ), ${p.images} images, ${p.source}`,
      );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`accuracy-energy: ${err.message}`);
    process.exit(1);
  });
}
