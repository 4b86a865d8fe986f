/**
 * The rules of package.xml format 3 (REP 149; ros-infrastructure/rep xsd/package_format3.xsd
 * with package_common.xsd), restated as checks: element order and counts, the name, version and
 * e-mail patterns, the allowed attributes and their values. Returns every problem found.
 */
import type { XmlElement } from "./xml.js";

const DEPENDENCY_TAGS = new Set([
  "build_depend",
  "build_export_depend",
  "buildtool_depend",
  "buildtool_export_depend",
  "exec_depend",
  "depend",
  "doc_depend",
  "test_depend",
  "conflict",
  "replace",
]);

/** The sequence of the `package` element: tag (or group), min and max occurrences. */
const SEQUENCE: { tags: Set<string>; min: number; max: number; label: string }[] = [
  { tags: new Set(["name"]), min: 1, max: 1, label: "name" },
  { tags: new Set(["version"]), min: 1, max: 1, label: "version" },
  { tags: new Set(["description"]), min: 1, max: 1, label: "description" },
  { tags: new Set(["maintainer"]), min: 1, max: Infinity, label: "maintainer" },
  { tags: new Set(["license"]), min: 1, max: Infinity, label: "license" },
  { tags: new Set(["url"]), min: 0, max: Infinity, label: "url" },
  { tags: new Set(["author"]), min: 0, max: Infinity, label: "author" },
  { tags: DEPENDENCY_TAGS, min: 0, max: Infinity, label: "dependencies" },
  { tags: new Set(["group_depend"]), min: 0, max: Infinity, label: "group_depend" },
  { tags: new Set(["member_of_group"]), min: 0, max: Infinity, label: "member_of_group" },
  { tags: new Set(["export"]), min: 0, max: 1, label: "export" },
];

// xs:pattern values are anchored to the whole (whitespace-collapsed) token.
const NAME = /^[a-z](_?[a-z0-9]+)*$/;
const VERSION = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){2}$/;
const VERSION_LIMIT = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){0,2}$/;
const EMAIL =
  /^[-a-zA-Z0-9_%+]+(\.[-a-zA-Z0-9_%+]+)*@[-a-zA-Z0-9%]+(\.[-a-zA-Z0-9%]+)*\.[a-zA-Z]{2,}$/;
const DEPENDENCY_CONDITION = /^[$A-Za-z0-9_\s<>!=()-]*$/;
const GROUP_CONDITION = /^[$A-Za-z0-9_\s<>=]*$/;
const URL_TYPES = new Set(["website", "bugtracker", "repository"]);

function token(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

export function checkPackageFormat3(root: XmlElement): string[] {
  const problems: string[] = [];
  if (root.tag !== "package") return [`the root element is <${root.tag}>, not <package>`];
  for (const key of Object.keys(root.attrib)) {
    if (key !== "format") problems.push(`<package> has an attribute it may not have: ${key}`);
  }
  if (root.attrib.format === undefined)
    problems.push(`<package> lacks the required attribute format`);
  else if (root.attrib.format !== "3")
    problems.push(`<package format="${root.attrib.format}">: format 3 requires format="3"`);

  // Element order and counts.
  let step = 0;
  const counts = new Array<number>(SEQUENCE.length).fill(0);
  for (const child of root.children) {
    let at = step;
    while (at < SEQUENCE.length && !SEQUENCE[at].tags.has(child.tag)) at++;
    if (at === SEQUENCE.length) {
      const known = SEQUENCE.findIndex((s) => s.tags.has(child.tag));
      problems.push(
        known < 0
          ? `<${child.tag}> is not an element of package format 3`
          : `<${child.tag}> comes after ${SEQUENCE[step].label}; format 3 puts it before`,
      );
      continue;
    }
    step = at;
    counts[at]++;
    if (counts[at] > SEQUENCE[at].max)
      problems.push(`<${child.tag}> appears more than ${SEQUENCE[at].max} time(s)`);
  }
  SEQUENCE.forEach((s, i) => {
    if (counts[i] < s.min) problems.push(`<${s.label}> is required`);
  });

  const attrs = (e: XmlElement, allowed: string[]) => {
    for (const key of Object.keys(e.attrib)) {
      if (!allowed.includes(key))
        problems.push(`<${e.tag}> has an attribute it may not have: ${key}`);
    }
  };
  const simple = (e: XmlElement) => {
    if (e.children.length > 0)
      problems.push(`<${e.tag}> may hold text only, not <${e.children[0].tag}>`);
  };

  for (const e of root.children) {
    const text = token(e.text);
    switch (e.tag) {
      case "name":
        simple(e);
        attrs(e, []);
        if (!NAME.test(text)) problems.push(`name "${text}" must match [a-z](_?[a-z0-9]+)*`);
        break;
      case "version":
        simple(e);
        attrs(e, ["compatibility"]);
        if (!VERSION.test(text))
          problems.push(`version "${text}" must be X.Y.Z without leading zeros`);
        if (
          e.attrib.compatibility !== undefined &&
          !VERSION_LIMIT.test(token(e.attrib.compatibility))
        ) {
          problems.push(
            `version compatibility "${e.attrib.compatibility}" must be X, X.Y or X.Y.Z`,
          );
        }
        break;
      case "description":
        attrs(e, []);
        break;
      case "maintainer":
      case "author":
        simple(e);
        attrs(e, ["email"]);
        if (e.tag === "maintainer" && e.attrib.email === undefined)
          problems.push(`<maintainer> "${text}" needs an email attribute`);
        if (e.attrib.email !== undefined && !EMAIL.test(token(e.attrib.email))) {
          problems.push(`<${e.tag}> email "${e.attrib.email}" is not a valid address`);
        }
        if (text === "") problems.push(`<${e.tag}> is empty`);
        break;
      case "license":
        simple(e);
        attrs(e, ["file"]);
        if (text === "") problems.push(`<license> is empty`);
        break;
      case "url":
        simple(e);
        attrs(e, ["type"]);
        if (e.attrib.type !== undefined && !URL_TYPES.has(token(e.attrib.type))) {
          problems.push(
            `<url type="${e.attrib.type}">: type must be website, bugtracker or repository`,
          );
        }
        break;
      case "group_depend":
      case "member_of_group":
        simple(e);
        attrs(e, ["condition"]);
        if (e.attrib.condition !== undefined && !GROUP_CONDITION.test(e.attrib.condition)) {
          problems.push(
            `<${e.tag}> condition "${e.attrib.condition}" has characters format 3 does not allow`,
          );
        }
        break;
      case "export":
        attrs(e, []);
        break;
      default:
        if (DEPENDENCY_TAGS.has(e.tag)) {
          simple(e);
          attrs(e, [
            "version_lt",
            "version_lte",
            "version_eq",
            "version_gte",
            "version_gt",
            "condition",
          ]);
          for (const [k, v] of Object.entries(e.attrib)) {
            if (k.startsWith("version_") && !VERSION_LIMIT.test(token(v))) {
              problems.push(`<${e.tag}> ${k}="${v}" must be X, X.Y or X.Y.Z`);
            }
          }
          if (e.attrib.condition !== undefined && !DEPENDENCY_CONDITION.test(e.attrib.condition)) {
            problems.push(
              `<${e.tag}> condition "${e.attrib.condition}" has characters format 3 does not allow`,
            );
          }
          if (text === "") problems.push(`<${e.tag}> names no package`);
        }
    }
  }
  return problems;
}
