/**
 * From the node's parameters to the pipeline's options (src/stream/types.ts PipelineOptions).
 */
import type { Pipeline, PipelineOptions } from "../stream/types.js";
import type { ModelInfo } from "./model-info.js";
import { parseEncoderParam } from "./encoder-param.js";
import { parseRoi, type NodeParams } from "./parameters.js";

export { ENCODER_SHORTHANDS, parseEncoderParam, type EncoderInput } from "./encoder-param.js";

/** The pipeline constructor the node is given (createPipeline in src/stream, or a test's). */
export type PipelineFactory = (options: PipelineOptions) => Pipeline;

export type Deserializer = NonNullable<PipelineOptions["deserialize"]>;

export function pipelineOptions(
  params: NodeParams,
  model: ModelInfo,
  deserialize: Deserializer,
): PipelineOptions {
  const encoder = parseEncoderParam(params.encoder);
  if (typeof encoder === "string") throw new Error(`encoder: ${encoder}`); // checked before it got here
  return {
    model: model.dir,
    timesteps: params.timesteps > 0 ? params.timesteps : undefined,
    dt: params.dt > 0 ? params.dt : undefined,
    // "model" leaves the choice to the model file (the pipeline's default).
    presentation:
      params.presentation === "model"
        ? undefined
        : (params.presentation as PipelineOptions["presentation"]),
    encoder: encoder.encoder,
    earlyExit: params.early_exit
      ? { margin: params.early_exit_margin, holdTicks: params.early_exit_hold_ticks }
      : false,
    powerProfile: params.power_profile,
    topK: params.top_k,
    maxImagePixels: params.max_image_pixels,
    events: eventOptions(params),
    deserialize,
  };
}

/** A key that changes exactly when the pipeline must be rebuilt. */
export function pipelineKey(options: PipelineOptions): string {
  const { deserialize: _d, profiles: _p, ...rest } = options;
  return JSON.stringify(rest);
}

/** The event-input settings the parameters ask for (undefined: the model's). */
function eventOptions(params: NodeParams): PipelineOptions["events"] {
  const roi = parseRoi(params.events_roi ?? "");
  if (typeof roi === "string") throw new Error(`events_roi: ${roi}`); // checked before it got here
  const events: NonNullable<PipelineOptions["events"]> = {};
  if (params.event_window_ms > 0) events.windowMs = params.event_window_ms;
  if (roi) events.roi = roi;
  if (params.events_downsample > 0) events.downsample = params.events_downsample;
  return Object.keys(events).length > 0 ? events : undefined;
}
