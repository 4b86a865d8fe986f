/**
 * `spikenode run` without ROS 2 honours the node's `-p` / `--params-file` parameters: the same
 * declarations and checks as the node (src/ros/parameters.ts), then mapped onto the embedded
 * replay of the shipped sample bag. A parameter that cannot mean anything there (a camera topic
 * when the topic is the sample's) is refused with the reason, not dropped.
 */
import type { ReplayOptions } from "../bag/replay/index.js";
import { resolveModel, type ModelInfo } from "../ros/model-info.js";
import {
  checkParameters,
  PARAM_SPECS,
  parseRoi,
  SPEC_BY_NAME,
  type ParamName,
} from "../ros/parameters.js";
import { parseEncoderParam } from "../ros/pipeline-options.js";
import { UserError } from "./fatal.js";
import type { RosParam } from "./ros-args.js";

/** Parameters of the node that choose a ROS subscription: only a graph gives them meaning. */
const GRAPH_ONLY: readonly ParamName[] = ["image_topic", "compressed", "input", "event_topic"];

/**
 * Checks the parameters (the last value of each wins, as in rcl) and returns the replay options
 * they set. Throws UserError naming the parameter, where it was set, and why.
 */
export function embeddedReplayOptions(
  params: readonly RosParam[],
  powerProfiles: readonly string[],
): Partial<ReplayOptions> {
  const last = new Map<ParamName, RosParam>();
  for (const p of params) {
    if (!SPEC_BY_NAME.has(p.name)) {
      throw new UserError(
        `${p.source}: spikenode has no parameter ${p.name}; its parameters are ${PARAM_SPECS.map((s) => s.name).join(", ")}`,
      );
    }
    // YAML numbers are JavaScript numbers, so `-p dt:=1` passes as a double and `-p top_k:=3.0`
    // as an integer, as the node converts rcl's integer and double types.
    last.set(p.name as ParamName, p);
  }
  for (const [name, p] of last) {
    const problem = checkParameters({ [name]: p.value }, { resolveModel, powerProfiles });
    if (problem) throw new UserError(`${p.source}: ${problem}`);
    const spec = SPEC_BY_NAME.get(name)!;
    if (GRAPH_ONLY.includes(name) && p.value !== spec.default) {
      throw new UserError(
        `${p.source}: ${name} chooses the camera subscription, and there is no ROS 2 graph to subscribe in: without ROS 2, spikenode run replays the shipped sample bag. Source ROS 2 to subscribe, or replay a recording of that camera with spikenode replay BAG --topic TOPIC`,
      );
    }
  }
  const value = <T>(name: ParamName): T | undefined => last.get(name)?.value as T | undefined;
  const out: Partial<ReplayOptions> = {};
  const model = value<string>("model");
  if (model !== undefined) out.model = (resolveModel(model) as ModelInfo).dir;
  const timesteps = value<number>("timesteps");
  if (timesteps !== undefined && timesteps > 0) out.timesteps = Number(timesteps);
  const pipeline: NonNullable<ReplayOptions["pipeline"]> = {};
  const dt = value<number>("dt");
  if (dt !== undefined && dt > 0) pipeline.dt = dt;
  const encoder = value<string>("encoder");
  if (encoder !== undefined) {
    const parsed = parseEncoderParam(encoder);
    if (typeof parsed !== "string" && parsed.encoder) pipeline.encoder = parsed.encoder;
  }
  const maxPixels = value<number>("max_image_pixels");
  if (maxPixels !== undefined) pipeline.maxImagePixels = Number(maxPixels);
  const events: NonNullable<NonNullable<ReplayOptions["pipeline"]>["events"]> = {};
  const windowMs = value<number>("event_window_ms");
  if (windowMs !== undefined && windowMs > 0) events.windowMs = windowMs;
  const roi = parseRoi(value<string>("events_roi") ?? "");
  if (roi !== undefined && typeof roi !== "string") events.roi = roi;
  const downsample = value<number>("events_downsample");
  if (downsample !== undefined && downsample > 0) events.downsample = Number(downsample);
  if (Object.keys(events).length > 0) pipeline.events = events;
  if (Object.keys(pipeline).length > 0) out.pipeline = pipeline;
  const presentation = value<string>("presentation");
  if (presentation !== undefined && presentation !== "model")
    out.presentation = presentation as ReplayOptions["presentation"];
  const early = value<boolean>("early_exit");
  const margin = value<number>("early_exit_margin");
  const hold = value<number>("early_exit_hold_ticks");
  if (early === true) {
    out.earlyExit = {
      margin: margin ?? (SPEC_BY_NAME.get("early_exit_margin")!.default as number),
      holdTicks: Number(hold ?? SPEC_BY_NAME.get("early_exit_hold_ticks")!.default),
    };
  } else if (early === undefined && (margin !== undefined || hold !== undefined)) {
    throw new UserError(
      `${(last.get("early_exit_margin") ?? last.get("early_exit_hold_ticks"))!.source}: early exit is off; add -p early_exit:=true for its margin and hold ticks to apply`,
    );
  }
  const profile = value<string>("power_profile");
  if (profile !== undefined) out.powerProfile = profile.trim();
  const topK = value<number>("top_k");
  if (topK !== undefined) out.topK = Number(topK);
  const scores = value<boolean>("publish_scores");
  if (scores !== undefined) out.publishScores = scores;
  return out;
}
