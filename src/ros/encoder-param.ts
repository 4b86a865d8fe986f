/**
 * The `encoder` parameter's values: a shorthand or a JSON encoder object in the model file's
 * format. Shared by the parameter check (parameters.ts) and the pipeline options
 * (pipeline-options.ts), which is why it is neither's.
 */
import { Encoder, type ModelSpecInput } from "../snn/model-spec.js";

export type EncoderInput = ModelSpecInput["input"]["encoder"];

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
