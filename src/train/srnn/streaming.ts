/**
 * Export: the model file sections of a network trained on the moving Fashion-MNIST stream.
 * (The training side of the stream, samples of consecutive clips, is consecutive-clips.ts.)
 */
import { movingModelSections, type MovingSequenceSet } from "../datasets/moving-events.js";
import type { SequenceTrainConfig } from "./config.js";
import type { SequenceExportOptions } from "./export-srnn.js";

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
