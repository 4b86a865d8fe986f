/**
 * What the image stage reads and writes. Kept structural (no import of the pipeline's message
 * types): `sensor_msgs/Image` and `CompressedImage` as decoded from CDR (RawImage and
 * CompressedImage in src/stream and src/messages) satisfy these as they are. The names pair up:
 * a RawImage is a header plus RawPixels, a CompressedImage a header plus CompressedPixels.
 */

/** The pixel fields of `sensor_msgs/msg/Image` (a RawImage without its header). */
export interface RawPixels {
  height: number;
  width: number;
  /** One of sensor_msgs/image_encodings.hpp, e.g. "rgb8", "mono16", "32FC1", "uyvy". */
  encoding: string;
  /** Non-zero when multi-byte samples are big-endian. */
  is_bigendian: number;
  /** Full row length in bytes, padding included. */
  step: number;
  data: Uint8Array;
}

/** The fields of `sensor_msgs/msg/CompressedImage` that hold the picture (a CompressedImage without its header). */
export interface CompressedPixels {
  /** e.g. "jpeg", "rgb8; jpeg compressed bgr8", "mono16; png compressed mono16". */
  format: string;
  data: Uint8Array;
}

export type ColorMode = "gray" | "rgb";
export type FitMode = "stretch" | "center_crop" | "letterbox";

/**
 * What the model wants: the `input` section of a model file (its `shape` and `preprocess`)
 * satisfies this as it is.
 */
export interface TensorSpec {
  /** [C, H, W]; C is 1 for gray, 3 for rgb. */
  shape: readonly [number, number, number];
  preprocess: {
    color: ColorMode;
    fit: FitMode;
    invert: boolean;
    mean?: readonly number[];
    std?: readonly number[];
  };
}

export interface PreprocessorOptions {
  /** Frames with more pixels than this are refused ("too_large"). Default 7680 × 4320. */
  maxPixels?: number;
  /**
   * Value of the letterbox bars as the model sees them, in [0, 1] after `invert` and before
   * mean/std normalisation. Default 0 (the dark background of MNIST-like data).
   */
  letterboxFill?: number;
  /**
   * Intensity range of floating-point encodings (32FC1, 64FC1, …), mapped to [0, 1] and
   * clamped; NaN becomes 0. Default [0, 1]. Use e.g. [0, 5] for a depth image in metres.
   */
  floatRange?: readonly [number, number];
}
