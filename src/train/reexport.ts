/**
 * Re-exporting a run into a directory that already holds its model: when the new weights.bin is
 * byte-identical to the one there, the network is the same, so what was recorded about it stays
 * true — the creation time and the accuracies `spikenode eval --record` measured. Without this
 * a re-export (`train --export-only`) silently dropped provenance.accuracy. When the weights
 * differ, the old measurements describe another network and are dropped (and the caller says so).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Provenance fields that describe the weights, not the export. */
const KEPT = ["created", "accuracy"] as const;

export interface CarriedProvenance {
  /** True when the directory held byte-identical weights (the kept fields were copied). */
  sameWeights: boolean;
  /** The old model had measured accuracies that no longer apply. */
  droppedAccuracy: boolean;
}

/**
 * Copies `created` and `accuracy` (merged under the new export's own figures) from
 * `<dir>/model.json` into `provenance` when `<dir>/weights.bin` equals `weights`.
 */
export function carryProvenance(
  dir: string,
  provenance: Record<string, unknown>,
  weights: Uint8Array,
): CarriedProvenance {
  const jsonPath = join(dir, "model.json");
  const binPath = join(dir, "weights.bin");
  if (!existsSync(jsonPath) || !existsSync(binPath))
    return { sameWeights: false, droppedAccuracy: false };
  let old: Record<string, unknown>;
  try {
    const parsed = JSON.parse(readFileSync(jsonPath, "utf8")) as { provenance?: unknown };
    old =
      parsed.provenance && typeof parsed.provenance === "object"
        ? (parsed.provenance as Record<string, unknown>)
        : {};
  } catch {
    // An unreadable old model.json is simply replaced.
    return { sameWeights: false, droppedAccuracy: false };
  }
  if (!Buffer.from(weights).equals(readFileSync(binPath)))
    return { sameWeights: false, droppedAccuracy: old.accuracy !== undefined };
  for (const key of KEPT) {
    if (old[key] === undefined) continue;
    const mine = provenance[key];
    provenance[key] =
      key === "accuracy" && mine && typeof mine === "object" && typeof old[key] === "object"
        ? { ...(old[key] as object), ...(mine as object) }
        : (old[key] ?? mine);
  }
  return { sameWeights: true, droppedAccuracy: false };
}
