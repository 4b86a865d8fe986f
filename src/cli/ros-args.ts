/**
 * The ROS arguments of `spikenode run`, read the way rcl reads them, for the embedded mode
 * (no ROS 2: nobody else will read them). With ROS 2, rcl reads process.argv itself and this
 * module only checks that nothing but ROS arguments follows `run`.
 *
 * Grammar (rcl's, design.ros2.org "ROS command line arguments"): `--ros-args` opens a section
 * that runs to `--` or the end; in it `-p/--param name:=value` (value parsed as YAML),
 * `--params-file FILE` (a YAML file of `<node or /**>: ros__parameters: {...}`), `-r/--remap
 * [node:]from:=to`, `-e/--enclave E`, `--log-level [name:=]level`, `--log-config-file FILE`
 * and the `--enable-/--disable-{rosout,stdout,external-lib}-logs` switches. Later values win.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { UserError } from "./fatal.js";

export interface RosParam {
  name: string;
  value: unknown;
  /** Where it was set: `-p name:=value` or `FILE`. */
  source: string;
}

export interface RosArgs {
  /** In command-line order, params files expanded where they stand; later entries win. */
  params: RosParam[];
  /** `-r` remaps and other switches that only mean something in a ROS graph, as given. */
  graphOnly: string[];
}

const SWITCHES = new Set([
  "--enable-rosout-logs",
  "--disable-rosout-logs",
  "--enable-stdout-logs",
  "--disable-stdout-logs",
  "--enable-external-lib-logs",
  "--disable-external-lib-logs",
]);
const WITH_VALUE = new Set([
  "-r",
  "--remap",
  "-e",
  "--enclave",
  "--log-level",
  "--log-config-file",
]);

/**
 * Everything commander left over after `run`'s own options: empty, or ROS arguments. Anything
 * else (`run --frobnicate`, `run extra`) is a usage error naming it.
 */
export function checkRunArgs(args: readonly string[]): void {
  let inRos = false;
  for (const arg of args) {
    if (arg === "--ros-args") {
      inRos = true;
      continue;
    }
    if (inRos) {
      if (arg === "--") inRos = false;
      continue;
    }
    throw new UserError(
      arg.startsWith("-")
        ? `run: unknown option '${arg}'; run takes --require-ros, --timesteps, --early-exit and ROS arguments after --ros-args (see spikenode run --help)`
        : `run: unexpected argument '${arg}'; ROS arguments go after --ros-args, e.g. spikenode run --ros-args -p model:=DIR`,
    );
  }
}

/** rcl types a `-p` value as YAML does: true/false, integers, doubles, else a string. */
function yamlValue(text: string, where: string): unknown {
  try {
    return text === "" ? "" : (parseYaml(text) as unknown);
  } catch (err) {
    throw new UserError(`${where}: the value is not valid YAML (${(err as Error).message})`);
  }
}

function splitAssignment(text: string, flag: string): [string, string] {
  const at = text.indexOf(":=");
  if (at <= 0) {
    throw new UserError(`--ros-args ${flag} ${text}: write name:=value, e.g. ${flag} top_k:=3`);
  }
  return [text.slice(0, at), text.slice(at + 2)];
}

/** Node sections of a params file that apply to a node named `node`: `/**` and the bare name. */
function paramsFromFile(file: string, node: string): RosParam[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(
      `--params-file ${file}: cannot be read as YAML (${(err as Error).message})`,
    );
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new UserError(
      `--params-file ${file}: expected a mapping of node names to { ros__parameters: {...} }, e.g. "/**:\\n  ros__parameters:\\n    top_k: 3"`,
    );
  }
  const out: RosParam[] = [];
  for (const [key, section] of Object.entries(doc as Record<string, unknown>)) {
    if (key !== "/**" && key !== node && key !== `/${node}`) continue;
    const params = (section as { ros__parameters?: unknown } | null)?.ros__parameters;
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      throw new UserError(`--params-file ${file}: ${key} has no ros__parameters mapping`);
    }
    const flatten = (prefix: string, obj: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(obj)) {
        const name = prefix ? `${prefix}.${k}` : k;
        if (v !== null && typeof v === "object" && !Array.isArray(v))
          flatten(name, v as Record<string, unknown>);
        else out.push({ name, value: v, source: file });
      }
    };
    flatten("", params as Record<string, unknown>);
  }
  return out;
}

/** Reads the `--ros-args` sections of `args` (what commander leaves after `run`). */
export function parseRosArgs(args: readonly string[], defaultNode = "spikenode"): RosArgs {
  // A params file's sections are keyed by node name, which `-r __node:=name` changes wherever it stands.
  let node = defaultNode;
  args.forEach((a, i) => {
    const m = /^__node:=(.+)$/.exec(args[i + 1] ?? "");
    if ((a === "-r" || a === "--remap") && m) node = m[1];
  });
  const params: RosParam[] = [];
  const graphOnly: string[] = [];
  let inRos = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!inRos) {
      if (arg === "--ros-args") inRos = true;
      continue;
    }
    if (arg === "--") {
      inRos = false;
      continue;
    }
    if (arg === "--ros-args") continue;
    const next = () => {
      const value = args[++i];
      if (value === undefined) throw new UserError(`--ros-args ${arg}: a value must follow`);
      return value;
    };
    if (arg === "-p" || arg === "--param") {
      const text = next();
      const [name, raw] = splitAssignment(text, arg);
      params.push({ name, value: yamlValue(raw, `${arg} ${text}`), source: `${arg} ${text}` });
    } else if (arg === "--params-file") {
      params.push(...paramsFromFile(next(), node));
    } else if (WITH_VALUE.has(arg)) {
      graphOnly.push(`${arg} ${next()}`);
    } else if (SWITCHES.has(arg)) {
      graphOnly.push(arg);
    } else {
      throw new UserError(
        `--ros-args: '${arg}' is not a ROS argument; use -p name:=value, --params-file FILE, -r from:=to, --log-level LEVEL, -e ENCLAVE`,
      );
    }
  }
  return { params, graphOnly };
}
