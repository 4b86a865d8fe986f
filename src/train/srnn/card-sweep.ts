/**
 * The penalty-sweep part of a sequence card (issue 14): when the model directory holds
 * penalty-sweep.json (written by penalty-sweep.ts), a table of every strength tried, the picture,
 * and the commands that reproduce the sweep. Figures come from that file alone.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SweepReport } from "./penalty-sweep.js";

const pct = (x: number | null) => (x === null ? "–" : `${(100 * x).toFixed(2)} %`);
const int = (x: number) => Math.round(x).toLocaleString("en-US");
const nJ = (j: number) => (j * 1e9).toFixed(2);

export function readSweep(dir: string): SweepReport | null {
  const path = join(dir, "penalty-sweep.json");
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, "utf8")) as SweepReport;
}

/** The shipped run's penalty strength (its checkpoint's config), or null. */
export function shippedStrength(dir: string): number | null {
  const path = join(dir, "checkpoint", "checkpoint.json");
  if (!existsSync(path)) return null;
  const config = (JSON.parse(readFileSync(path, "utf8")) as { config?: Record<string, unknown> })
    .config;
  const strength = (config?.sparsity as { strength?: unknown } | undefined)?.strength;
  return typeof strength === "number" ? strength : null;
}

/** Results lines: the table and the picture. */
export function sweepResults(sweep: SweepReport, shippedStrength: number | null): string[] {
  const profiles = Object.keys(sweep.rows[0]?.energyPerFrame ?? {});
  const L: string[] = [
    "## Penalty strengths tried",
    "",
    `The firing-rate penalty's strength λ (L1 on the hidden spikes) against what the engine measured on the continuous ${sweep.dataset} test stream (${sweep.ticksPerFrame} ticks per frame); energy per frame is the account above from each run's measured spikes and input events. Every run has the same sizes and input events, so input accumulates fix a floor that no hidden-layer penalty moves: the penalty trades accuracy for spikes, and energy per frame follows the spikes only a little.`,
    "",
    `| λ | per-frame accuracy | per-clip accuracy | spikes/neuron/step | synaptic ops/frame | ${profiles.map((p) => `SNN nJ/frame, ${p}`).join(" | ")} | RNN fp32 nJ/frame, ${profiles[0]} |`,
    `|---|---|---|---|---|${profiles.map(() => "---|").join("")}---|`,
  ];
  for (const r of sweep.rows) {
    const shipped = r.penalty.strength === shippedStrength ? " (shipped)" : "";
    L.push(
      `| ${r.penalty.strength}${shipped} | ${pct(r.test.frameAccuracy)} | ${pct(r.test.clipAccuracy)} | ${r.test.spikesPerNeuronPerStep.toFixed(4)} | ${int(r.test.synopsPerFrame)} | ${profiles.map((p) => nJ(r.energyPerFrame[p].snn)).join(" | ")} | ${nJ(r.energyPerFrame[profiles[0]].rnn)} |`,
    );
  }
  const sources = [...new Set(sweep.rows.map((r) => r.source))];
  L.push("", `Where the figures come from: ${sources.join("; ")}.`, "");
  L.push("![accuracy against energy and firing rate by penalty strength](penalty-sweep.svg)");
  return L;
}

/** Reproduce lines (inside the card's sh block). */
export function sweepReproduce(sweep: SweepReport, config: string, dir: string): string[] {
  const strengths = sweep.rows.map((r) => r.penalty.strength).join(" ");
  return [
    `# the penalty sweep: one run per strength, each trained on the shipped run's schedule (the config's notes), then measured`,
    `for s in ${strengths}; do`,
    `  sed "s/strength: [0-9.]*/strength: $s/" ${config} > out/sweep-$s.yaml`,
    `  spikenode train --config out/sweep-$s.yaml --out out/sweep-$s`,
    `  spikenode eval --model out/sweep-$s --dataset ${sweep.dataset} --json --out out/sweep-$s/eval-test.json`,
    `done`,
    `npx tsx src/train/srnn/penalty-sweep.ts --out ${dir}/penalty-sweep out/sweep-*`,
    ...(sweep.rows.some((r) => r.source !== "run directory")
      ? [
          `# (the shipped penalty-sweep.json was made from recorded eval figures, runs not kept:)`,
          `npx tsx src/train/srnn/penalty-sweep.ts --out ${dir}/penalty-sweep --recorded ${dir}/penalty-sweep-measured.json --model ${dir}`,
        ]
      : []),
    `# redraw the picture from penalty-sweep.json alone`,
    `npx tsx src/train/srnn/penalty-sweep.ts --redraw ${dir}/penalty-sweep`,
  ];
}
