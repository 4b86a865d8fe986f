/** The model file sections of a network trained on the moving Fashion-MNIST stream. */
import { movingModelSections, type MovingSequenceSet } from "../datasets/moving-events.js";
import type { SequenceTrainConfig } from "./config.js";
import type { SequenceExportOptions } from "./export-srnn.js";
import type { SequenceSet } from "./sequences.js";

/**
 * How a model trained on the moving clips meets a camera: the clips' delta encoder on canvas
 * frames, `continuous` presentation of ticksPerFrame ticks per frame (state carried across frames
 * and clips, as the clips were recorded), and one decision per frame: the readout membrane's mean
 * over that frame's ticks [0, ticksPerFrame). Training scored every tick from frame 1 on, so the
 * frame's mean is the decision of the ticks it trained, and no transient needs skipping: a
 * continuous stream is never reset.
 */
export function streamingSections(
  config: SequenceTrainConfig,
  moving: MovingSequenceSet,
): Pick<SequenceExportOptions, "input" | "presentation" | "readout"> {
  const s = movingModelSections(moving.plan.options, moving.events);
  if (Math.abs(s.dt - config.spiking.dt) > 1e-12)
    throw Object.assign(
      new Error(
        `${config.name}: spiking.dt ${config.spiking.dt} s differs from the moving clips' tick of ${s.dt} s; ` +
          `set spiking.dt: ${s.dt} (the learned time constants are in ticks of the clips)`,
      ),
      { userFacing: true },
    );
  return {
    input: { shape: s.input.shape, encoder: s.input.encoder },
    presentation: s.presentation,
    readout: { type: "membrane", window: { start: 0, end: s.presentation.timesteps } },
  };
}

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
