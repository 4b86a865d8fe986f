/**
 * What `spikenode train --resume` takes from an edited config file. A checkpoint is the state of
 * one run, so its architecture, data and optimiser settings stay; the schedule (how long, what to
 * anneal when, how often to checkpoint) and the spiking settings that export writes may change,
 * which is how a run is extended or a late anneal step added. Any other difference is reported,
 * never silently dropped.
 */
import type { AnyTrainConfig } from "./config.js";

/** Dotted paths a resumed run takes from the file. */
export const RESUMABLE_FIELDS = [
  "training.epochs",
  "training.lr_final",
  "training.anneal",
  "training.checkpoint_minutes",
  "spiking",
] as const;

export interface ResumedConfig<C extends AnyTrainConfig> {
  config: C;
  /** Resumable fields whose value in the file differs from the checkpoint's (now adopted). */
  adopted: string[];
  /** Other fields that differ: the checkpoint's value is kept. */
  ignored: string[];
}

export function resumeConfig<C extends AnyTrainConfig>(
  stored: C,
  file: AnyTrainConfig,
): ResumedConfig<C> {
  const kindOf = (c: AnyTrainConfig) => ("kind" in c ? c.kind : "soft-lif");
  if (kindOf(stored) !== kindOf(file)) {
    return { config: stored, adopted: [], ignored: ["kind"] };
  }
  const merged = structuredClone(stored) as Record<string, unknown>;
  const source = file as unknown as Record<string, unknown>;
  const adopted: string[] = [];
  for (const path of RESUMABLE_FIELDS) {
    const [head, leaf] = path.split(".");
    const from = leaf === undefined ? source[head] : child(source, head)?.[leaf];
    const to = leaf === undefined ? merged[head] : child(merged, head)?.[leaf];
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    if (leaf === undefined) merged[head] = structuredClone(from);
    else {
      const parent = child(merged, head);
      if (!parent) continue;
      if (from === undefined) delete parent[leaf];
      else parent[leaf] = structuredClone(from);
    }
    adopted.push(path);
  }
  const ignored = differences(merged, source, "").filter(
    (p) => !RESUMABLE_FIELDS.some((r) => p === r || p.startsWith(r + ".")),
  );
  return { config: merged as unknown as C, adopted, ignored };
}

function child(o: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = o[key];
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Dotted paths of leaves (arrays count as leaves) that differ between two JSON values. */
function differences(a: unknown, b: unknown, prefix: string): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || "(config)"];
}
