/**
 * Why a replay could not run: one line naming the input, what is wrong and what to do. Marked
 * user-facing (like BagError) so the CLI prints it without a stack and exits non-zero.
 */
export type ReplayErrorCode =
  /** The bag has no sensor_msgs Image or CompressedImage topic. */
  | "no_image_topic"
  /** Several image topics and no --topic to choose. */
  | "ambiguous_topic"
  /** --topic names a topic the bag does not have, or one that is not an image topic. */
  | "bad_topic"
  /** The image topic has no messages to classify. */
  | "no_frames"
  /** The bag ends (truncated or damaged) before its first image. */
  | "truncated"
  /** The model directory is missing or cannot be loaded. */
  | "model"
  /** A labels file given explicitly cannot be used. */
  | "labels"
  /** An option out of range. */
  | "bad_option";

export class ReplayError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;

  constructor(
    readonly code: ReplayErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ReplayError";
  }
}
