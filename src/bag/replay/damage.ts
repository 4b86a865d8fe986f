/**
 * Whether a replay read the whole bag: the summary's `damaged` and `lostFrames`, which scripts
 * test (and the CLI turns into exit code 3), and the line that says so.
 */
import type { BagProblem } from "../types.js";

export interface DamageFigures {
  /** The bag could not be read in full (`problems` is not empty). */
  damaged: boolean;
  /**
   * Frames (messages of the replayed topic) that the bag's index or metadata lists but that could
   * not be read; 0 when not damaged; null when damaged and the bag does not say how many the
   * damaged part held (a file cut short without an index, a missing split file).
   */
  lostFrames: number | null;
}

/**
 * `expected`: frames the replay set out to read (the topic's listed count, capped by --limit);
 * `read`: frames it read. An interrupted replay lost nothing to damage that it can count.
 */
export function damageFigures(
  problems: readonly BagProblem[],
  expected: number,
  read: number,
  interrupted: boolean,
): DamageFigures {
  if (problems.length === 0) return { damaged: false, lostFrames: 0 };
  const lost = expected - read;
  return { damaged: true, lostFrames: !interrupted && lost > 0 ? lost : null };
}

/** One line for the summary and the CLI's exit: what was lost, of how many. */
export function damageLine(d: DamageFigures, topic: string, expected: number): string | undefined {
  if (!d.damaged) return undefined;
  return d.lostFrames === null
    ? `the bag is damaged: frames of ${topic} after the damage could not be read, and the bag does not say how many`
    : `the bag is damaged: ${d.lostFrames} of the ${expected} frames of ${topic} it lists could not be read`;
}
