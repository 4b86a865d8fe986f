/**
 * From the node's parameters to the pipeline's options (src/stream/types.ts PipelineOptions).
 */
import { Encoder, type ModelSpecInput } from "../snn/model-spec.js";
import type { CompressedImage, Pipeline, PipelineOptions, RawImage } from "../stream/types.js";
import type { ModelInfo } from "./model-info.js";
import type { NodeParams } from "./parameters.js";

export type EncoderInput = ModelSpecInput["input"]["encoder"];

/** The pipeline constructor the node is given (createPipeline in src/stream, or a test's). */
export type PipelineFactory = (options: PipelineOptions) => Pipeline;

export type Deserializer = NonNullable<PipelineOptions["deserialize"]>;
export type ImageMessage = RawImage | CompressedImage;

/**
 * Shorthands for the `encoder` parameter. A Poisson pixel at full brightness fires at 1 kHz
 * (one spike per 1 ms tick at most); a delta pixel emits an event when its log intensity moves
 * by 0.1 (about 10% in brightness). A JSON object in the model file's encoder format gives
 * full control.
 */
export const ENCODER_SHORTHANDS: Readonly<Record<string, EncoderInput>> = {
  constant: { type: "constant" },
  poisson: { type: "poisson", max_rate: 1000 },
  delta: { type: "delta", threshold: 0.1 },
};

/** Undefined: keep the model's encoder. A string is the reason the value is refused. */
export function parseEncoderParam(value: string): { encoder?: EncoderInput } | string {
  const v = value.trim();
  if (v === "model" || v === "") return {};
  const shorthand = ENCODER_SHORTHANDS[v];
  if (shorthand) return { encoder: shorthand };
  if (!v.startsWith("{")) {
    return `"${value}" is neither model, ${Object.keys(ENCODER_SHORTHANDS).join(", ")} nor a JSON encoder object such as {"type":"poisson","max_rate":200}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(v);
  } catch (err) {
    return `is not valid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  const parsed = Encoder.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `is not an encoder of the model file format (${issue?.path.join(".") || "type"}: ${issue?.message ?? "invalid"})`;
  }
  return { encoder: json as EncoderInput };
}

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
    deserialize,
  };
}

/** A key that changes exactly when the pipeline must be rebuilt. */
export function pipelineKey(options: PipelineOptions): string {
  const { deserialize: _d, profiles: _p, ...rest } = options;
  return JSON.stringify(rest);
}
