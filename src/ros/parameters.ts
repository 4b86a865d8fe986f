/**
 * The node's ROS parameters: names, types, defaults, ranges and the checks that refuse a bad
 * value with its reason, each check on its parameter's declaration (as Nengo's params do).
 * Pure: the node's shell (spikenode-node.ts, rcl-parameters.ts) turns these specs into
 * rclnodejs declarations; its core (node-core.ts) calls `checkParameters` on every change.
 *
 * Ranges are enforced here, not by attaching rclnodejs Range objects to the descriptors:
 * rclnodejs 2.2.0 refuses an out-of-range value before our callback runs, with the reason
 * "Parameter <name> does not  readonly", and leaves ranges out of `ros2 param describe`
 * (its ParameterDescriptor.toMessage reads a field the range setter never writes). The
 * range is written into each descriptor's additional_constraints so users still see it.
 */
import type { ModelInfo } from "./model-info.js";
import { parseEncoderParam } from "./encoder-param.js";

export type ParamKind = "bool" | "integer" | "double" | "string";

export interface NodeParams {
  model: string;
  image_topic: string;
  compressed: boolean;
  timesteps: number;
  dt: number;
  encoder: string;
  presentation: string;
  early_exit: boolean;
  early_exit_margin: number;
  early_exit_hold_ticks: number;
  publish_scores: boolean;
  power_profile: string;
  top_k: number;
  max_image_pixels: number;
  input: string;
  event_topic: string;
  event_window_ms: number;
  events_roi: string;
  events_downsample: number;
}

export type ParamName = keyof NodeParams;

/** What must happen when a parameter changes at run time. */
export type ParamEffect = "pipeline" | "subscription" | "output";

export interface ParamSpec {
  name: ParamName;
  kind: ParamKind;
  default: NodeParams[ParamName];
  description: string;
  /** Shown as the descriptor's additional_constraints. */
  constraints: string;
  effect: ParamEffect;
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Allowed values for strings. */
  choices?: readonly string[];
  /**
   * What the kind, range and choices cannot say: the reason `value` (already of the right
   * kind, in range) is refused, or null. `resolved` receives what the check resolved.
   */
  check?: (value: unknown, ctx: CheckContext, resolved?: { model?: ModelInfo }) => string | null;
}

export const PRESENTATION_CHOICES = ["model", "reset", "continuous"] as const;
export const INPUT_CHOICES = ["image", "events"] as const;

/**
 * An events_roi value: "" (the model's, else centred on the sensor) or "x,y,width,height" in
 * sensor pixels; a string is the reason it is not one.
 */
export function parseRoi(
  value: string,
): { x: number; y: number; width: number; height: number } | undefined | string {
  const text = value.trim();
  if (text === "") return undefined;
  const parts = text.split(",").map((p) => p.trim());
  const nums = parts.map(Number);
  if (
    parts.length !== 4 ||
    parts.some((p) => p === "") ||
    !nums.every((n) => Number.isInteger(n) && n >= 0)
  )
    return `"${value}" is not x,y,width,height in whole sensor pixels (e.g. 300,20,680,680), or "" for the model's`;
  const [x, y, width, height] = nums;
  if (width < 1 || height < 1) return `"${value}": width and height must be at least 1`;
  return { x, y, width, height };
}
export const DEFAULT_MODEL = "fashion-mnist-lif";
export const DEFAULT_POWER_PROFILE = "cmos45-horowitz";

export const PARAM_SPECS: readonly ParamSpec[] = [
  {
    name: "model",
    kind: "string",
    default: DEFAULT_MODEL,
    description:
      "Model directory (model.json + weights), or the name of a model shipped in the package's models/ folder.",
    constraints: "a directory holding a spikenode model file v1",
    effect: "pipeline",
    check: (value, ctx, resolved) => {
      const model = ctx.resolveModel(value as string);
      if (typeof model === "string") return model;
      if (resolved) resolved.model = model;
      return null;
    },
  },
  {
    name: "image_topic",
    kind: "string",
    default: "image_raw",
    description:
      "Camera topic (sensor_msgs/msg/Image). Relative names resolve in the node's namespace. With compressed:=true the node subscribes to <image_topic>/compressed (image_transport's naming) unless the name already ends in /compressed.",
    constraints: "a valid ROS 2 topic name",
    effect: "subscription",
    check: (value) => {
      const problem = topicNameProblem(value as string);
      return problem ? `"${String(value)}" is not a valid topic name: it ${problem}` : null;
    },
  },
  {
    name: "compressed",
    kind: "bool",
    default: false,
    description: "Subscribe to sensor_msgs/msg/CompressedImage (jpeg, png) instead of raw images.",
    constraints: "",
    effect: "subscription",
  },
  {
    name: "timesteps",
    kind: "integer",
    default: 0,
    description:
      "Ticks simulated per frame in reset presentation; 0 uses the model's presentation.timesteps.",
    constraints: "0 (model default) to 100000",
    effect: "pipeline",
    min: 0,
    max: 100_000,
  },
  {
    name: "dt",
    kind: "double",
    default: 0,
    description:
      "Simulation step in seconds; 0 uses the model's dt. Time constants stay in seconds, so a frame of `timesteps` ticks lasts timesteps x dt.",
    constraints: "0 (the model's dt), or 1e-5 to 0.1 s",
    effect: "pipeline",
    min: 0,
    max: 0.1,
    check: (value) =>
      value === 0 || (value as number) >= 1e-5
        ? null
        : `${String(value)} s is too small a step (use 0 for the model's dt, or at least 1e-5 s)`,
  },
  {
    name: "encoder",
    kind: "string",
    default: "model",
    description:
      'Input encoding: model (the model file\'s encoder), constant (current), poisson (rate, 1 kHz at full brightness), delta (event-camera emulation, threshold 0.1), or a JSON encoder object as in the model file, e.g. {"type":"poisson","max_rate":200}.',
    constraints: "model | constant | poisson | delta | JSON encoder object",
    effect: "pipeline",
    check: (value) => {
      const parsed = parseEncoderParam(value as string);
      return typeof parsed === "string" ? parsed : null;
    },
  },
  {
    name: "presentation",
    kind: "string",
    default: "model",
    description:
      "model: the model file's presentation.mode (a stream model such as moving-fashion-srnn is continuous); reset: clear the network and run `timesteps` ticks per frame (deterministic, as evaluated); continuous: keep state across frames, one long simulation paced by the frame interval.",
    constraints: PRESENTATION_CHOICES.join(" | "),
    effect: "pipeline",
    choices: PRESENTATION_CHOICES,
  },
  {
    name: "early_exit",
    kind: "bool",
    default: false,
    description:
      "Stop ticking a frame once the leading class has led by early_exit_margin for early_exit_hold_ticks ticks; saves latency and energy.",
    constraints: "",
    effect: "pipeline",
  },
  {
    name: "early_exit_margin",
    kind: "double",
    default: 3,
    description:
      "Early exit: lead of the winning class over the runner-up, in output spikes (or score units).",
    constraints: "0.01 to 1000",
    effect: "pipeline",
    min: 0.01,
    max: 1000,
  },
  {
    name: "early_exit_hold_ticks",
    kind: "integer",
    default: 10,
    description: "Early exit: ticks the lead must hold before the frame stops.",
    constraints: "1 to 10000",
    effect: "pipeline",
    min: 1,
    max: 10_000,
  },
  {
    name: "publish_scores",
    kind: "bool",
    default: true,
    description:
      "Carry every class's score and output spike count in ~/spike_classification; false leaves those arrays empty.",
    constraints: "",
    effect: "output",
  },
  {
    name: "power_profile",
    kind: "string",
    default: DEFAULT_POWER_PROFILE,
    description:
      "Hardware profile for the energy estimate on ~/power (see the power profiles file).",
    constraints: "a profile name known to the power model",
    effect: "pipeline",
    check: (value, ctx) => {
      const name = (value as string).trim();
      if (name === "") return "is empty; name a hardware profile";
      if (ctx.powerProfiles && !ctx.powerProfiles.includes(name)) {
        return `"${name}" is not a known profile; known: ${ctx.powerProfiles.join(", ")}`;
      }
      return null;
    },
  },
  {
    name: "top_k",
    kind: "integer",
    default: 5,
    description: "Hypotheses in ~/classification, best first (capped at the model's class count).",
    constraints: "1 to 1000",
    effect: "output",
    min: 1,
    max: 1000,
  },
  {
    name: "max_image_pixels",
    kind: "integer",
    default: 4096 * 4096,
    description:
      "Frames larger than this (width x height) are refused and counted, before any decoding.",
    constraints: "1 to 268435456",
    effect: "pipeline",
    min: 1,
    max: 268_435_456,
  },
  {
    name: "input",
    kind: "string",
    default: "image",
    description:
      "image: classify camera frames on image_topic; events: classify an event camera's event_camera_msgs/msg/EventPacket stream on event_topic (evt3, libcaer_cmp, libcaer, mono), one result per event_window_ms of sensor time, with a model whose encoder is events (or a one-channel delta).",
    constraints: INPUT_CHOICES.join(" | "),
    effect: "subscription",
    choices: INPUT_CHOICES,
  },
  {
    name: "event_topic",
    kind: "string",
    default: "events",
    description:
      "Event camera topic (event_camera_msgs/msg/EventPacket) read with input:=events, e.g. /event_camera/events (metavision_driver, libcaer_driver publish ~/events).",
    constraints: "a valid ROS 2 topic name",
    effect: "subscription",
    check: (value) => {
      const problem = topicNameProblem(value as string);
      return problem ? `"${String(value)}" is not a valid topic name: it ${problem}` : null;
    },
  },
  {
    name: "event_window_ms",
    kind: "double",
    default: 0,
    description:
      "Events: sensor time per classification, ms (a whole number of dt ticks); 0 uses the model's timesteps x dt. Presentation continuous carries the network across windows, reset clears it per window.",
    constraints: "0 (the model's) or 0.001 to 60000 ms",
    effect: "pipeline",
    min: 0,
    max: 60_000,
  },
  {
    name: "events_roi",
    kind: "string",
    default: "",
    description:
      'Events: sensor pixels read, "x,y,width,height" (width and height events_downsample times the model\'s input); "" uses the model\'s roi, else one centred on the sensor.',
    constraints: '"" or x,y,width,height',
    effect: "pipeline",
    check: (value) => {
      const roi = parseRoi(value as string);
      return typeof roi === "string" ? roi : null;
    },
  },
  {
    name: "events_downsample",
    kind: "integer",
    default: 0,
    description:
      "Events: a block of events_downsample x events_downsample sensor pixels is one input pixel; 0 uses the model's (1 for delta models).",
    constraints: "0 (the model's) to 1024",
    effect: "pipeline",
    min: 0,
    max: 1024,
  },
];

export const SPEC_BY_NAME: ReadonlyMap<string, ParamSpec> = new Map(
  PARAM_SPECS.map((s) => [s.name, s]),
);

export function defaultParams(): NodeParams {
  const out: Record<string, unknown> = {};
  for (const spec of PARAM_SPECS) out[spec.name] = spec.default;
  return out as unknown as NodeParams;
}

export interface CheckContext {
  /** Resolves a model value; a string is the reason it cannot be used. */
  resolveModel(value: string): ModelInfo | string;
  /** Profile names the power model knows; undefined when they cannot be listed here. */
  powerProfiles?: readonly string[];
}

/** A valid ROS 2 topic name (design.ros2.org "Topic and Service name mapping"), before expansion. */
export function topicNameProblem(name: string): string | null {
  if (name === "") return "is empty";
  if (/\s/.test(name)) return "contains whitespace";
  if (name.endsWith("/") && name !== "/") return "ends with /";
  if (name === "/" || name === "~") return "names no topic";
  if (name.includes("//")) return "contains //";
  if (/[^A-Za-z0-9_/~{}]/.test(name))
    return "may only contain letters, digits, _, / and a leading ~";
  if (name.indexOf("~") > 0) return "may only use ~ at its start";
  if (name.startsWith("~") && name.length > 1 && name[1] !== "/") return "must continue ~ with /";
  for (const token of name.split("/")) {
    if (token !== "" && token !== "~" && /^[0-9]/.test(token))
      return `has a part starting with a digit (${token})`;
  }
  return null;
}

/**
 * Checks the values a parameter set would leave in place. Returns the first reason for
 * refusal, naming the parameter, the value and what is allowed, or null when all are valid.
 * `resolved` receives the model the new values would load, when `model` is among them.
 */
export function checkParameters(
  proposed: Partial<Record<ParamName, unknown>>,
  ctx: CheckContext,
  resolved?: { model?: ModelInfo },
): string | null {
  for (const [name, value] of Object.entries(proposed) as [ParamName, unknown][]) {
    const spec = SPEC_BY_NAME.get(name);
    if (!spec) continue;
    const problem = checkOne(spec, value, ctx, resolved);
    if (problem) return problem.startsWith(`${name} `) ? problem : `${name}: ${problem}`;
  }
  return null;
}

function checkOne(
  spec: ParamSpec,
  value: unknown,
  ctx: CheckContext,
  resolved?: { model?: ModelInfo },
): string | null {
  const kindProblem = kindMismatch(spec.kind, value);
  if (kindProblem) return kindProblem;
  if (spec.kind === "integer" || spec.kind === "double") {
    const n = Number(value);
    if (!Number.isFinite(n)) return `${String(value)} is not a finite number`;
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
      return `${String(value)} is out of range (${spec.constraints})`;
    }
  }
  if (spec.choices && !spec.choices.includes(value as string)) {
    return `"${String(value)}" is not one of ${spec.choices.join(", ")}`;
  }
  return spec.check ? spec.check(value, ctx, resolved) : null;
}

function kindMismatch(kind: ParamKind, value: unknown): string | null {
  switch (kind) {
    case "bool":
      return typeof value === "boolean" ? null : `expected true or false, got ${describe(value)}`;
    case "string":
      return typeof value === "string" ? null : `expected a string, got ${describe(value)}`;
    case "integer":
      if (typeof value === "bigint") return null;
      return typeof value === "number" && Number.isInteger(value)
        ? null
        : `expected an integer, got ${describe(value)}`;
    case "double":
      return typeof value === "number" ? null : `expected a number, got ${describe(value)}`;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return `the string "${value}"`;
  if (typeof value === "bigint") return `the integer ${value}`;
  return `${typeof value} ${String(value)}`;
}

/** Converts an rclnodejs parameter value (bigint for integers) to the node's representation. */
export function fromRosValue(spec: ParamSpec, value: unknown): NodeParams[ParamName] {
  if (spec.kind === "integer") return Number(value as bigint | number);
  return value as NodeParams[ParamName];
}
