/**
 * One frame presented tick by tick with an early-exit policy: what Network.run does in reset
 * presentation, stopping when the policy says the winner is clear. The stream worker has its
 * own loop (it times encode and engine apart); this one serves the engine-level commands
 * (infer, bench) so that `--early-exit` means the same there as in replay and on the node.
 */
import type { Network, TickEncoder } from "../snn/network.js";
import type { EarlyExitPolicy } from "./early-exit.js";

export interface EarlyExitFrame {
  /** The readout over the ticks that ran (the network's buffer: copy it to keep it). */
  scores: Float64Array;
  /** Ticks simulated before the policy stopped the frame (or all of them). */
  ticks: number;
}

/**
 * Presents `pixels` for at most `timesteps` ticks, stopping once `policy` holds. Resets the
 * network and the encoder first as a reset presentation does (a delta encoder keeps its
 * reference frame); `policy` is reset too, so one can serve every frame.
 */
export function presentWithEarlyExit(
  net: Network,
  pixels: ArrayLike<number>,
  timesteps: number,
  encoder: TickEncoder,
  policy: EarlyExitPolicy,
): EarlyExitFrame {
  const reset = net.model.spec.presentation.mode === "reset";
  if (reset) net.reset();
  else net.beginFrame();
  if (reset && encoder.kind !== "delta") encoder.reset();
  policy.reset();
  encoder.present(pixels);
  let ticks = 0;
  while (ticks < timesteps) {
    net.tick(encoder.tick(), encoder.constant);
    ticks++;
    if (policy.update(net.scores())) break;
  }
  return { scores: net.scores(), ticks };
}
