export { ImagePreprocessor, DEFAULT_MAX_PIXELS } from "./preprocessor.js";
export { decodeCompressed, parseCompressedFormat, type CompressedFormat } from "./compressed.js";
export { parseEncoding, type PixelFormat, type PixelLayout, type SampleType } from "./encodings.js";
export {
  ImageError,
  PreprocessConfigError,
  IMAGE_ERROR_REASONS,
  frameLabel,
  type ImageErrorReason,
} from "./errors.js";
export type {
  RawPixels,
  CompressedPixels,
  TensorSpec,
  PreprocessorOptions,
  ColorMode,
  FitMode,
} from "./types.js";
