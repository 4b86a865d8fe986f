/**
 * Whether a pipeline would start, known without a worker and without waiting. A module of its
 * own because it builds the worker's stages on the calling thread (sharp, the engine), which the
 * main-thread pipeline (pipeline.ts) otherwise never loads.
 */
import { validateOptions } from "./pipeline.js";
import { preflightProcessor } from "./processor.js";
import type { WorkerConfig } from "./protocol.js";
import type { PipelineInfo, PipelineOptions } from "./types.js";

/**
 * Checks that createPipeline(options) would start: the options, the model files, and every
 * stage the worker builds from them (preflightProcessor). Returns what ready() would report
 * (undefined for a .nir model, which only the worker reads);
 * throws the reason it would reject with. Costs one read and parse of the model on the calling
 * thread, and the network's state arrays until they are collected.
 */
export function checkPipeline(options: PipelineOptions): PipelineInfo | undefined {
  validateOptions(options);
  const { deserialize: _d, transfer: _t, queueCapacity: _q, ...config } = options;
  return preflightProcessor(config satisfies WorkerConfig);
}
