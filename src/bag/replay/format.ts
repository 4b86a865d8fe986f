/** Replay progress and summary as text for a terminal or a log. */
import { energyUnits, ratioPhrase, si } from "../../stream/energy.js";
import type { ReplayFrame } from "./index.js";
import { damageLine } from "./damage.js";
import type { AccuracyFigures, LatencyFigures, ReplaySummary } from "./summary.js";

// SI formatting and units live with the energy figures (src/power/units.ts); kept here by name
// for the replay's callers.
export { energyUnits, si };

/** One line per frame: where it is, what it was classified as, what it cost. */
export function formatFrameLine(f: ReplayFrame, labels: readonly string[]): string {
  const width = String(f.total).length;
  const head = `frame ${String(f.index + 1).padStart(width)}/${f.total}  t=${f.offsetSec.toFixed(3)} s`;
  if (f.error) return `${head}  error ${f.error.reason}: ${f.error.message}`;
  if (!f.result) return `${head}  not finished`;
  const r = f.result;
  const u = energyUnits(r.energy.unit);
  const truth =
    f.trueClass === undefined
      ? ""
      : f.trueClass === r.classId
        ? "  (right)"
        : `  (wrong: ${labels[f.trueClass] ?? `class ${f.trueClass}`})`;
  return (
    `${head}  ${r.className} ${(100 * r.confidence).toFixed(0)}%${truth}  ` +
    `${si(r.energy.energyPerFrame, u.energy)}/frame  ${si(r.energy.power, u.power)}  ` +
    `${r.timings.total.toFixed(1)} ms`
  );
}

/** annEnergy / snnEnergy in words: "spiking costs 12.3× less [than the fp32 ANN]" (src/power/phrase.ts). */
export const ratioText = ratioPhrase;

function ms(l: LatencyFigures): string {
  return `mean ${l.mean.toFixed(1)} ms, p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`;
}

/** The end-of-replay report, several lines. */
export function formatSummary(s: ReplaySummary): string {
  const lines: string[] = [];
  const pace = s.rate === null ? "as fast as possible" : `at ${s.rate}× recorded speed`;
  const exit = s.earlyExit
    ? `, early exit at a lead of ${s.earlyExit.margin} for ${s.earlyExit.holdTicks ?? 1} ticks${s.ticksPerFrame === null ? "" : `: ${s.ticksPerFrame.toFixed(1)} ticks per frame on average`}`
    : "";
  lines.push(
    `replayed ${s.topic} (${s.type}) of ${s.bag} with ${s.model.name} (${s.model.timesteps} ticks of ${s.model.dt * 1000} ms, ${s.model.presentation}${exit}), ${pace}${s.interrupted ? ", interrupted" : ""}`,
  );
  lines.push(
    `frames ${s.frames}: classified ${s.classified}, errors ${s.errors}, dropped ${s.dropped}` +
      ` in ${s.wallSeconds.toFixed(2)} s (${s.framesPerSecond.toFixed(1)} frames/s; recorded span ${s.recordedSeconds.toFixed(2)} s)`,
  );
  for (const [reason, n] of Object.entries(s.errorsByReason)) {
    lines.push(`  ${n} × ${reason}: ${s.errorExamples[reason] ?? ""}`);
  }
  if (s.latencyMs) lines.push(`latency ${ms(s.latencyMs)}`);
  if (s.processingMs) lines.push(`processing ${ms(s.processingMs)}`);
  if (s.energy) {
    const e = s.energy;
    const u = energyUnits(e.unit);
    const ann = e.annLabel === undefined ? undefined : `the ${e.annLabel}`;
    lines.push(
      `energy per frame ${si(e.perFrame, u.energy)} (${e.profile}; ${si(e.synapticOps, "")} synaptic ops), ` +
        `as ${ann ?? "an ANN"} ${si(e.annPerFrame, u.energy)} (${ratioText(e.ratio, ann)}); ` +
        `power at the processed rate ${si(e.power, u.power)}`,
    );
    const beside = (e.baselines ?? []).map(
      (b) => `the ${b.name} ${si(b.perFrame, u.energy)} (${ratioText(b.ratio, `the ${b.name}`)})`,
    );
    if (e.spikesPerSynapse !== undefined)
      beside.push(`${e.spikesPerSynapse.toFixed(2)} spikes per synapse per frame`);
    if (beside.length > 0) lines.push(`  beside it (${e.profile}): ${beside.join("; ")}`);
  }
  const hist = Object.entries(s.classHistogram)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} ${n}`);
  if (s.events) {
    const ev = s.events;
    const dropped = Object.entries(ev.windowsDropped).map(([why, n]) => `${n} ${why}`);
    const problems = Object.entries(ev.problemsByReason).map(([why, n]) => `${why} ${n}`);
    lines.push(
      `events: ${ev.packets} packets (${ev.badPackets} bad${problems.length > 0 ? `: ${problems.join(", ")}` : ""}), ` +
        `${ev.events} events (${ev.eventsDropped} dropped by the decoder or late), ` +
        `windows dropped ${dropped.length > 0 ? dropped.join(", ") : "none"}` +
        `${ev.windowsSkipped > 0 ? `, ${ev.windowsSkipped} empty windows of silences skipped` : ""}`,
    );
  }
  lines.push(`classes: ${hist.length > 0 ? hist.join(", ") : "none"}`);
  if (s.accuracy) {
    lines.push(
      `accuracy ${(100 * s.accuracy.accuracy).toFixed(1)}% (${s.accuracy.correct}/${s.accuracy.labelled} against ${s.accuracy.labelsFile})`,
    );
    lines.push(...formatClassAccuracy(s.accuracy));
  }
  const damage = damageLine(s, s.topic, s.expectedFrames);
  if (damage) lines.push(`error: ${damage}`);
  for (const p of s.problems) lines.push(`warning: ${p.message}`);
  for (const n of s.notes) lines.push(`note: ${n}`);
  lines.push(
    `wrote ${s.output.messageCount} messages to ${s.output.file}${s.output.metadataFile ? ` (+ ${s.output.metadataFile})` : ""}`,
  );
  return lines.join("\n");
}

/**
 * Per-class accuracy (recall) on one line, then the confusion matrix as a table: rows the true
 * class (index and name), columns the predicted class index. Classes no frame had are left out
 * of the line; the table keeps every class so that rows and columns line up.
 */
export function formatClassAccuracy(a: AccuracyFigures): string[] {
  const seen = a.perClass.filter((c) => c.labelled > 0);
  const lines = [
    `per class: ${seen.map((c) => `${c.class} ${(100 * (c.accuracy ?? 0)).toFixed(1)}% (${c.correct}/${c.labelled})`).join(", ")}`,
  ];
  const n = a.confusion.length;
  if (n === 0) return lines;
  const names = a.perClass.map((c, i) => `${i} ${c.class}`);
  const nameWidth = Math.max(...names.map((x) => x.length));
  const cell = Math.max(
    3,
    ...a.confusion.flat().map((v) => String(v).length),
    String(n - 1).length,
  );
  const pad = (x: string | number) => String(x).padStart(cell);
  lines.push("confusion matrix (rows: true class, columns: predicted class):");
  lines.push(`  ${" ".repeat(nameWidth)} ${a.confusion.map((_, j) => pad(j)).join(" ")}`);
  a.confusion.forEach((row, i) => {
    lines.push(`  ${names[i].padEnd(nameWidth)} ${row.map(pad).join(" ")}`);
  });
  return lines;
}
