/**
 * Redraws a model directory's training-curves.svg/.png from what it committed (training.json,
 * and checkpoint/checkpoint.json for the model kind and the --init-from chain, or baseline.json
 * for an RNN/LSTM baseline that shipped no checkpoint), without retraining or re-exporting:
 *
 *   npx tsx src/train/redraw-curves.ts models/fashion-mnist-lif models/mnist-lif …
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { hasCheckpoint, type CheckpointMeta, type EpochRecord } from "./checkpoint.js";
import { CURVE_LEGENDS, earlierStages, svgToPng, trainingCurvesSvg } from "./plot.js";

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (error) {
    throw Object.assign(
      new Error(`${path}: cannot read it as JSON (${(error as Error).message})`),
      {
        userFacing: true,
      },
    );
  }
}

/** Writes `<dir>/training-curves.svg` and `.png`; returns the SVG path. */
export async function redrawCurves(dir: string): Promise<string> {
  const { history } = readJson<{ history: EpochRecord[] }>(join(dir, "training.json"));
  const ckDir = join(dir, "checkpoint");
  const meta = hasCheckpoint(ckDir)
    ? readJson<CheckpointMeta>(join(ckDir, "checkpoint.json"))
    : null;
  const baseline = existsSync(join(dir, "baseline.json"))
    ? readJson<{ name: string; kind: string }>(join(dir, "baseline.json"))
    : null;
  const config = meta?.config as { name: string; kind?: string } | undefined;
  const name = config?.name ?? baseline?.name;
  if (!name)
    throw Object.assign(
      new Error(`${dir}: neither checkpoint/checkpoint.json nor baseline.json names the run`),
      { userFacing: true },
    );
  const kind = (config?.kind ?? baseline?.kind ?? "soft-lif") as keyof typeof CURVE_LEGENDS;
  const svg = trainingCurvesSvg(history, name, {
    legend: CURVE_LEGENDS[kind] ?? CURVE_LEGENDS["soft-lif"],
    before: earlierStages(meta?.initFrom),
  });
  const path = join(dir, "training-curves.svg");
  writeFileSync(path, svg);
  await svgToPng(svg, join(dir, "training-curves.png"));
  return path;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dirs = process.argv.slice(2);
  if (!dirs.length) {
    process.stderr.write("usage: npx tsx src/train/redraw-curves.ts <model dir>...\n");
    process.exit(2);
  }
  for (const dir of dirs) process.stdout.write(`wrote ${await redrawCurves(dir)}\n`);
}
