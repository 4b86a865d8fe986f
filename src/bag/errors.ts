/**
 * Why a bag could not be read or written. One line naming the file, what is wrong and what to do,
 * plus a machine-readable `code`. Marked user-facing so the CLI prints it without a stack.
 */
export type BagErrorCode =
  /** The path does not exist (or a file metadata.yaml lists is missing). */
  | "not_found"
  /** A storage file of 0 bytes. */
  | "empty"
  /** Neither an MCAP nor a rosbag2 sqlite3 file, nor a directory holding them. */
  | "not_a_bag"
  /** A storage format spikenode does not read (ROS 1 bag, other rosbag2 plugin). */
  | "unknown_storage"
  /** rosbag2 file- or message-level compression. */
  | "unsupported_compression"
  /** Cut short before any message could be read. */
  | "truncated"
  /** Damaged so that nothing could be read. */
  | "corrupt"
  /** The file exists but cannot be read (permissions, I/O). */
  | "unreadable"
  /** No definition to decode a topic's type with. */
  | "unknown_type"
  /** The output could not be written. */
  | "write_failed";

export class BagError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;

  constructor(
    readonly code: BagErrorCode,
    /** The file or directory concerned. */
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "BagError";
  }
}
