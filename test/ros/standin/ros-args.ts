/**
 * The stand-in's reading of `--ros-args` (remaps, -p, --params-file), as rcl_parse_arguments
 * and rcl_yaml_param_parser read them, reduced to what launch files and users pass.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

export const PARAMETER_TYPE = {
  PARAMETER_NOT_SET: 0,
  PARAMETER_BOOL: 1,
  PARAMETER_INTEGER: 2,
  PARAMETER_DOUBLE: 3,
  PARAMETER_STRING: 4,
  PARAMETER_BYTE_ARRAY: 5,
  PARAMETER_BOOL_ARRAY: 6,
  PARAMETER_INTEGER_ARRAY: 7,
  PARAMETER_DOUBLE_ARRAY: 8,
  PARAMETER_STRING_ARRAY: 9,
} as const;

export interface RawOverride {
  name: string;
  type: number;
  value: unknown;
}

export interface RemapRule {
  /** Only for this node name; undefined applies to every node. */
  node?: string;
  from: string;
  to: string;
}

export interface RosArgs {
  remaps: RemapRule[];
  /** Node name (as written: "/**" or a bare node name) -> parameter overrides, in order. */
  params: Map<string, RawOverride[]>;
}

/** A scalar written on the command line (`-p name:=value`) as rcl types it. */
export function typeCliValue(text: string): { type: number; value: unknown } {
  const t = text.trim();
  if (/^(true|True|TRUE)$/.test(t)) return { type: PARAMETER_TYPE.PARAMETER_BOOL, value: true };
  if (/^(false|False|FALSE)$/.test(t)) return { type: PARAMETER_TYPE.PARAMETER_BOOL, value: false };
  if (/^[-+]?[0-9]+$/.test(t)) return { type: PARAMETER_TYPE.PARAMETER_INTEGER, value: BigInt(t) };
  if (/^[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+)$/.test(t)) {
    return { type: PARAMETER_TYPE.PARAMETER_DOUBLE, value: Number(t) };
  }
  const unquoted = /^(['"])(.*)\1$/.exec(t);
  return { type: PARAMETER_TYPE.PARAMETER_STRING, value: unquoted ? unquoted[2] : t };
}

function typeYamlValue(value: unknown): { type: number; value: unknown } | null {
  if (typeof value === "boolean") return { type: PARAMETER_TYPE.PARAMETER_BOOL, value };
  if (typeof value === "bigint") return { type: PARAMETER_TYPE.PARAMETER_INTEGER, value };
  if (typeof value === "number") return { type: PARAMETER_TYPE.PARAMETER_DOUBLE, value };
  if (typeof value === "string") return { type: PARAMETER_TYPE.PARAMETER_STRING, value };
  return null;
}

function addOverride(
  params: Map<string, RawOverride[]>,
  node: string,
  override: RawOverride,
): void {
  const list = params.get(node) ?? [];
  const existing = list.findIndex((o) => o.name === override.name);
  if (existing >= 0) list.splice(existing, 1);
  list.push(override);
  params.set(node, list);
}

/** Reads a ROS 2 parameters file: `<node name>: {ros__parameters: {...}}`, nested keys joined by ".". */
export function readParamsFile(path: string, params: Map<string, RawOverride[]>): void {
  const doc = parseYaml(readFileSync(path, "utf8"), { intAsBigInt: true }) as Record<
    string,
    unknown
  >;
  if (!doc || typeof doc !== "object") throw new Error(`params file ${path} holds no mapping`);
  const visitNode = (key: string, body: unknown): void => {
    if (!body || typeof body !== "object") return;
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === "ros__parameters") flatten(key, "", v);
      else visitNode(key === "" ? k : `${key}/${k}`, v);
    }
  };
  const flatten = (node: string, prefix: string, value: unknown): void => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        flatten(node, prefix === "" ? k : `${prefix}.${k}`, v);
      }
      return;
    }
    const typed = typeYamlValue(value);
    if (!typed) throw new Error(`params file ${path}: ${prefix} has an unsupported value`);
    addOverride(params, node, { name: prefix, ...typed });
  };
  visitNode("", doc);
}

export function parseRosArgs(argv: readonly string[]): RosArgs {
  const out: RosArgs = { remaps: [], params: new Map() };
  let inRos = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--ros-args") {
      inRos = true;
      continue;
    }
    if (!inRos) continue;
    if (arg === "--") {
      inRos = false;
      continue;
    }
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "-r":
      case "--remap": {
        const rule = next();
        const m = /^(?:([^:]+):)?([^:]+):=(.*)$/.exec(rule);
        if (!m) throw new Error(`cannot parse remap rule "${rule}"`);
        out.remaps.push({ node: m[1], from: m[2], to: m[3] });
        break;
      }
      case "-p":
      case "--param": {
        const rule = next();
        const m = /^(?:([^:]+):)?([^:]+):=(.*)$/.exec(rule);
        if (!m) throw new Error(`cannot parse parameter rule "${rule}"`);
        addOverride(out.params, m[1] ?? "/**", { name: m[2], ...typeCliValue(m[3]) });
        break;
      }
      case "--params-file":
        readParamsFile(next(), out.params);
        break;
      case "--log-level":
      case "-e":
      case "--enclave":
      case "--log-file-name":
        next();
        break;
      default:
        // Flags such as --disable-rosout-logs take no value and do not concern the stand-in.
        break;
    }
  }
  return out;
}
