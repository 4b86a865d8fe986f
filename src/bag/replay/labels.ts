/**
 * True classes of a recording, for accuracy: a JSON file `{ topic?, classes?, labels }` with one
 * class index per message of the topic, in order (what `spikenode sample-bag` writes and the
 * independent fixtures carry). Looked for beside the bag: `<bag>.labels.json`, or `labels.json`
 * in the bag directory (or the bag file's directory).
 */
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { ReplayError } from "./errors.js";

const LabelsFile = z.object({
  topic: z.string().optional(),
  dataset: z.string().optional(),
  classes: z.array(z.string()).optional(),
  labels: z.array(z.number().int().min(0)),
});

export interface TrueLabels {
  file: string;
  topic?: string;
  classes?: string[];
  labels: number[];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Candidate label files for a bag path, most specific first. */
export async function labelFileCandidates(bagPath: string): Promise<string[]> {
  const trimmed = bagPath.replace(/[/\\]+$/, "");
  let isDir = false;
  try {
    isDir = (await stat(trimmed)).isDirectory();
  } catch {
    // the bag itself was already opened; a vanished path just has no labels
  }
  return isDir
    ? [join(trimmed, "labels.json"), `${trimmed}.labels.json`]
    : [`${trimmed}.labels.json`, join(dirname(trimmed), "labels.json")];
}

/** Reads and checks a labels file; throws ReplayError("labels") naming the fault. */
export async function readLabels(file: string): Promise<TrueLabels> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ReplayError(
      "labels",
      `labels file ${file} cannot be read: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ReplayError("labels", `labels file ${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = LabelsFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReplayError(
      "labels",
      `labels file ${file}: ${issue.path.join(".") || "the file"}: ${issue.message}; expected { "topic": "/camera/image_raw", "labels": [class index per message] }`,
    );
  }
  return { file, ...parsed.data };
}

/**
 * The labels that apply to `topic`: an explicit file (errors are fatal, and a topic mismatch
 * too), else the first usable file beside the bag (problems become notes, since the user did
 * not ask for that file).
 */
export async function findLabels(
  bagPath: string,
  topic: string,
  explicit: string | undefined,
  notes: string[],
): Promise<TrueLabels | undefined> {
  if (explicit !== undefined) {
    const labels = await readLabels(explicit);
    if (labels.topic !== undefined && labels.topic !== topic) {
      throw new ReplayError(
        "labels",
        `labels file ${explicit} is for topic ${labels.topic}, but ${topic} is replayed; pass --topic ${labels.topic} or another labels file`,
      );
    }
    return labels;
  }
  for (const file of await labelFileCandidates(bagPath)) {
    if (!(await isFile(file))) continue;
    try {
      const labels = await readLabels(file);
      if (labels.topic !== undefined && labels.topic !== topic) {
        notes.push(
          `${basename(file)} gives classes for ${labels.topic}, not ${topic}; no accuracy`,
        );
        continue;
      }
      return labels;
    } catch (err) {
      notes.push(`${(err as Error).message}; no accuracy`);
    }
  }
  return undefined;
}
