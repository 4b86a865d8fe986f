/**
 * Re-exporting a run into a directory that already holds its model: when the new weights.bin is
 * byte-identical to the one there and model.json differs at most in its provenance, the engine
 * runs the same network, so what was recorded about it stays true — the creation time and the
 * accuracies `spikenode eval --record` measured. Without this a re-export (`train
 * --export-only`) silently dropped provenance.accuracy. When the network differs (other weights,
 * or e.g. another synapse from the config's spiking section), the old measurements describe
 * another network and are dropped (and the caller says so).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Provenance fields that describe the weights, not the export. */
const KEPT = ["created", "accuracy"] as const;

export interface CarriedProvenance {
  /** True when the directory held the same network (the kept fields were copied). */
  sameWeights: boolean;
  /** The old model had measured accuracies that no longer apply. */
  droppedAccuracy: boolean;
}

/** model.json without its provenance: what the engine runs. */
function network(json: Record<string, unknown>): string {
  return JSON.stringify({ ...json, provenance: null });
}

/**
 * Copies `created` and `accuracy` (merged under the new export's own figures) from
 * `<dir>/model.json` into `json.provenance` when `<dir>/weights.bin` equals `weights` and the
 * old model.json equals `json` but for provenance.
 */
export function carryProvenance(
  dir: string,
  json: { provenance?: unknown },
  weights: Uint8Array,
): CarriedProvenance {
  const provenance = json.provenance as Record<string, unknown>;
  const jsonPath = join(dir, "model.json");
  const binPath = join(dir, "weights.bin");
  if (!existsSync(jsonPath) || !existsSync(binPath))
    return { sameWeights: false, droppedAccuracy: false };
  let old: Record<string, unknown>;
  let parsed: { provenance?: unknown };
  try {
    parsed = JSON.parse(readFileSync(jsonPath, "utf8")) as { provenance?: unknown };
    old =
      parsed.provenance && typeof parsed.provenance === "object"
        ? (parsed.provenance as Record<string, unknown>)
        : {};
  } catch {
    // An unreadable old model.json is simply replaced.
    return { sameWeights: false, droppedAccuracy: false };
  }
  const sameNetwork =
    Buffer.from(weights).equals(readFileSync(binPath)) &&
    network(parsed as Record<string, unknown>) ===
      network(JSON.parse(JSON.stringify(json)) as Record<string, unknown>);
  if (!sameNetwork) return { sameWeights: false, droppedAccuracy: old.accuracy !== undefined };
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
