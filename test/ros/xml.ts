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
out = []
for text in json.load(sys.stdin):
    try:
        out.append({"root": conv(ET.fromstring(text))})
    except ET.ParseError as err:
        out.append({"error": str(err)})
print(json.dumps(out))
`;

/**
 * Parses XML documents in one python3 run; throws with the parser's message (line and column)
 * for the first that is not well formed.
 */
export function parseXmlMany(
  texts: string[],
  names: string[] = texts.map((_, i) => `document ${i}`),
): XmlElement[] {
  const out = spawnSync("python3", ["-c", TO_JSON], {
    input: JSON.stringify(texts),
    encoding: "utf8",
  });
  if (out.status !== 0)
    throw new Error(`python3 could not parse ${names.join(", ")}: ${out.stderr}`);
  const results = JSON.parse(out.stdout) as { root?: XmlElement; error?: string }[];
  return results.map((r, i) => {
    if (r.error !== undefined) throw new Error(`${names[i]} is not well-formed XML: ${r.error}`);
    return r.root!;
  });
}

export function parseXml(text: string, name = "document"): XmlElement {
  return parseXmlMany([text], [name])[0];
}

export function* walk(e: XmlElement): Generator<XmlElement> {
  yield e;
  for (const c of e.children) yield* walk(c);
}
