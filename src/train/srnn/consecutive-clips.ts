/** Training on the moving Fashion-MNIST stream: samples of consecutive clips. */
import type { MovingSequenceSet } from "../datasets/moving-events.js";
import type { SequenceSet } from "./sequences.js";

/**
 * Samples of `k` consecutive clips of a moving set: sample i is clips i…i+k−1, one stretch of
 * the recording (the clips' events are the stream's, back to back), with their per-tick labels
 * (each clip's frame 0, the cut, unscored). Training on them starts the network cleared only
 * once per k clips, so it learns to switch at a cut with the state the previous clips left.
 */
export function consecutiveClips(set: MovingSequenceSet, k: number): SequenceSet {
  if (k === 1) return set;
  if (set.labelMode !== "step")
    throw Object.assign(
      new Error(`${set.name}: consecutive clips need per-tick labels (labelMode step)`),
      { userFacing: true },
    );
  if (!Number.isInteger(k) || k < 1 || k > set.count)
    throw Object.assign(
      new Error(
        `clips_per_sample ${k}: use a whole number in 1…${set.count} (the clips in the set)`,
      ),
      { userFacing: true },
    );
  const T = set.steps;
  const n = set.inputSize;
  return {
    name: `${set.name}:x${k}`,
    count: set.count - k + 1,
    steps: k * T,
    inputSize: n,
    classes: set.classes,
    labelMode: "step",
    fill(i, out, offset) {
      for (let j = 0; j < k; j++) set.fill(i + j, out, offset + j * T * n);
    },
    fillLabels(i, out, offset) {
      for (let j = 0; j < k; j++) set.fillLabels(i + j, out, offset + j * T);
    },
  };
}
