export { softmax, argmax } from "./softmax.js";
export {
  ScoreDecoder,
  decoderForModel,
  outputSpikeHeight,
  windowTicks,
  timestepsProblem,
  topK,
  type ClassScore,
  type Decoded,
  type DecoderOptions,
  type ReadoutType,
} from "./decoder.js";
export { EarlyExitPolicy, type EarlyExitOptions } from "./early-exit.js";
export { parseEarlyExit } from "./early-exit.js";
export { presentWithEarlyExit, type EarlyExitFrame } from "./present.js";
