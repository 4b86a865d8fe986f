/**
 * XML for the package tests, read by Python's xml.etree.ElementTree: the parser ros2 launch's
 * launch_xml itself uses, and already on every machine that runs these tests (python3 also
 * compiles the launch file), so no XML dependency is added for tests alone.
 */
import { spawnSync } from "node:child_process";

export interface XmlElement {
  tag: string;
  attrib: Record<string, string>;
  /** Text before the first child, whitespace-trimmed. */
  text: string;
  children: XmlElement[];
}

const TO_JSON = `
import json, sys, xml.etree.ElementTree as ET
def conv(e):
    return {"tag": e.tag, "attrib": dict(e.attrib), "text": (e.text or "").strip(), "children": [conv(c) for c in e]}
try:
    root = ET.fromstring(sys.stdin.read())
except ET.ParseError as err:
    print(json.dumps({"error": str(err)}))
    sys.exit(0)
print(json.dumps({"root": conv(root)}))
`;

/** Parses XML text; throws with the parser's message (line and column) when it is not well formed. */
export function parseXml(text: string, name = "document"): XmlElement {
  const out = spawnSync("python3", ["-c", TO_JSON], { input: text, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`python3 could not parse ${name}: ${out.stderr}`);
  const result = JSON.parse(out.stdout) as { root?: XmlElement; error?: string };
  if (result.error !== undefined)
    throw new Error(`${name} is not well-formed XML: ${result.error}`);
  return result.root!;
}

export function* walk(e: XmlElement): Generator<XmlElement> {
  yield e;
  for (const c of e.children) yield* walk(c);
}
