/**
 * Type names and `ros2msg` schema text: the top-level .msg text, then for each dependency a line
 * of exactly 80 `=`, a line `MSG: pkg/Type` and its text — what rosbag2 stores in MCAP schemas
 * and sqlite3 `message_definitions`, and what foxglove_bridge advertises.
 */
import { BUNDLED_DEFINITIONS } from "./definitions.js";
import { MessageDefinitionError } from "./errors.js";

export const SCHEMA_SEPARATOR = "=".repeat(80);

const PRIMITIVES = new Set([
  "bool",
  "byte",
  "char",
  "float32",
  "float64",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "string",
  "wstring",
  "time",
  "duration",
]);

const TYPE_NAME = /^([A-Za-z][\w]*)\/(?:(msg|srv|action)\/)?([A-Za-z][\w]*)$/;

/**
 * "sensor_msgs/Image" or "sensor_msgs/msg/Image" → "sensor_msgs/msg/Image"; service and action
 * types ("test_msgs/srv/BasicTypes_Event", as rosbag2 records service events) keep their kind.
 */
export function fullTypeName(type: string): string {
  const m = TYPE_NAME.exec(type.trim());
  if (!m) {
    throw new MessageDefinitionError(
      `"${type}" is not a ROS 2 message type name; expected "package/msg/Type", e.g. "sensor_msgs/msg/Image"`,
    );
  }
  return `${m[1]}/${m[2] ?? "msg"}/${m[3]}`;
}

/** "sensor_msgs/msg/Image" → "sensor_msgs/Image", the form of `MSG:` lines. */
export function shortTypeName(type: string): string {
  const [pkg, kind, name] = fullTypeName(type).split("/");
  return kind === "msg" ? `${pkg}/${name}` : `${pkg}/${kind}/${name}`;
}

/** Full names of the complex types a .msg text uses, in order of first use. */
export function directDependencies(type: string, text: string): string[] {
  const pkg = fullTypeName(type).split("/")[0];
  const deps: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    // "Type[<=N] name", "Type[N] name", "string<=N name", "TYPE NAME=value"
    const fieldType = line
      .split(/\s+/)[0]
      .replace(/\[.*$/, "")
      .replace(/<=\d+$/, "");
    if (PRIMITIVES.has(fieldType)) continue;
    const qualified = fieldType.includes("/") ? fieldType : `${pkg}/${fieldType}`;
    const full = fullTypeName(qualified);
    if (!deps.includes(full)) deps.push(full);
  }
  return deps;
}

export function bundledTypes(): string[] {
  return Object.keys(BUNDLED_DEFINITIONS);
}

export function hasBundledDefinition(type: string): boolean {
  try {
    return Object.hasOwn(BUNDLED_DEFINITIONS, fullTypeName(type));
  } catch {
    return false;
  }
}

function bundledText(type: string, neededBy?: string): string {
  const text = Object.hasOwn(BUNDLED_DEFINITIONS, type) ? BUNDLED_DEFINITIONS[type] : undefined;
  if (text === undefined) {
    const by = neededBy ? ` (used by ${neededBy})` : "";
    throw new MessageDefinitionError(
      `no bundled definition for ${type}${by}; spikenode bundles ${bundledTypes().join(", ")}. ` +
        `Decode it with the schema stored in the bag (codecFromSchema) instead`,
    );
  }
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** The bundled type and all its dependencies, depth first, each once: [type, text][]. */
export function bundledClosure(type: string): [string, string][] {
  const root = fullTypeName(type);
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const visit = (t: string, by?: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    const text = bundledText(t, by);
    out.push([t, text]);
    for (const dep of directDependencies(t, text)) visit(dep, t);
  };
  visit(root);
  return out;
}

/** The concatenated `ros2msg` schema of a bundled type, dependencies included. */
export function ros2msgSchemaText(type: string): string {
  const [[, rootText], ...deps] = bundledClosure(type);
  let out = rootText;
  for (const [dep, text] of deps) {
    out += `${SCHEMA_SEPARATOR}\nMSG: ${shortTypeName(dep)}\n${text}`;
  }
  return out;
}
