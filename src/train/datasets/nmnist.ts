/**
 * N-MNIST (Orchard et al. 2015) as the dataset ships: `Train/` and `Test/` folders, each with one
 * folder per digit `0` … `9` of `<id>.bin` recordings (src/events/nmnist.ts reads one). Samples
 * are listed here and read one at a time (the test split is 10 000 files, ~60 MB).
 *
 *   const set = openNmnist("data/N-MNIST", "test");   // or ".../Test", or ".../Test/3"
 *   const { events, label } = set.read(i);             // events: parsed, times in ns from 0
 *
 * `path` may be the dataset folder (holding Train/ and Test/), a split folder (holding 0 … 9),
 * one digit folder (its name is the label), or one `.bin` file given with its label.
 *
 * Order: samples are interleaved by digit (the first of 0, the first of 1, …, the second of 0,
 * …), ids in numeric order within a digit, so the first N (`--limit`) cover every class evenly.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parseNmnist, problemsOf, type NmnistRecording } from "../../events/index.js";
import { datasetError } from "./types.js";

export const NMNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;

/** The sensor: 34 × 34 pixels, two polarities. */
export const NMNIST_SENSOR = { width: 34, height: 34 } as const;

export interface NmnistSample {
  file: string;
  label: number;
}

export interface NmnistSet {
  name: string;
  /** What the samples were listed from. */
  path: string;
  samples: NmnistSample[];
  classes: string[];
  /** Parses sample i; throws a user-facing error naming the file when it is not N-MNIST. */
  read(i: number): { events: NmnistRecording; label: number; file: string };
}

const FIX =
  "pass the N-MNIST folder as it unzips (Test/0 … Test/9 of <id>.bin files, or its Test folder), or one .bin file with --label <digit>";

function kind(path: string): "file" | "dir" | null {
  try {
    const s = statSync(path);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : null;
  } catch {
    return null;
  }
}

/** Folder names match case-insensitively: "Test", "test". */
function child(dir: string, name: string): string | null {
  const hit = readdirSync(dir).find((e) => e.toLowerCase() === name.toLowerCase());
  return hit !== undefined && kind(join(dir, hit)) === "dir" ? join(dir, hit) : null;
}

const idOrder = (a: string, b: string): number => {
  const na = Number.parseInt(a, 10);
  const nb = Number.parseInt(b, 10);
  return Number.isFinite(na) && Number.isFinite(nb) && na !== nb ? na - nb : a < b ? -1 : 1;
};

function binsIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((e) => e.toLowerCase().endsWith(".bin") && kind(join(dir, e)) === "file")
    .sort(idOrder);
}

/** Digit folders of a split folder, interleaved; [] when it has none. */
function listSplit(dir: string): NmnistSample[] {
  const perDigit: string[][] = NMNIST_CLASSES.map((d) => {
    const sub = join(dir, d);
    return kind(sub) === "dir" ? binsIn(sub).map((f) => join(sub, f)) : [];
  });
  const out: NmnistSample[] = [];
  const longest = Math.max(...perDigit.map((f) => f.length));
  for (let k = 0; k < longest; k++)
    perDigit.forEach((files, label) => {
      if (k < files.length) out.push({ file: files[k], label });
    });
  return out;
}

function checkLabel(label: number | undefined, path: string): number {
  if (label === undefined)
    throw datasetError(
      `N-MNIST data ${path}: a single .bin file has no folder to name its digit; add --label <0-9>`,
    );
  if (!Number.isInteger(label) || label < 0 || label > 9)
    throw datasetError(`--label ${label}: an N-MNIST label is a digit 0-9`);
  return label;
}

/**
 * Lists an N-MNIST split under `path` (see the file comment). `label` is required for a single
 * .bin file and refused otherwise (the folders name the digits).
 */
export function openNmnist(path: string, split: "train" | "test", label?: number): NmnistSet {
  const what = kind(path);
  if (what === null) throw datasetError(`N-MNIST data ${path}: no such file or folder; ${FIX}`);
  let samples: NmnistSample[];
  if (what === "file") {
    if (!path.toLowerCase().endsWith(".bin"))
      throw datasetError(`N-MNIST data ${path}: not a .bin file; ${FIX}`);
    samples = [{ file: path, label: checkLabel(label, path) }];
  } else {
    if (label !== undefined)
      throw datasetError(
        `--label applies to a single .bin file; ${path} is a folder whose digit folders name the labels`,
      );
    const splitDir = child(path, split === "test" ? "Test" : "Train");
    const name = basename(path);
    if (splitDir !== null) samples = listSplit(splitDir);
    // One digit folder: its name is the label.
    else if (/^[0-9]$/.test(name))
      samples = binsIn(path).map((f) => ({ file: join(path, f), label: Number(name) }));
    else samples = listSplit(path);
    if (samples.length === 0)
      throw datasetError(
        `N-MNIST data ${path}: no .bin recordings found (looked for ${split === "test" ? "Test" : "Train"}/<digit>/*.bin, <digit>/*.bin and *.bin in a digit folder); ${FIX}`,
      );
  }
  return {
    name: `N-MNIST ${split}`,
    path,
    samples,
    classes: [...NMNIST_CLASSES],
    read(i) {
      const { file, label: l } = samples[i];
      return { events: readNmnistFile(file), label: l, file };
    },
  };
}

/**
 * One recording; a file that is cut (not whole 5-byte records), empty, or addresses pixels off
 * the 34 × 34 sensor is not N-MNIST, and the error says which file and what to do.
 */
export function readNmnistFile(file: string): NmnistRecording {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw datasetError(`N-MNIST file ${file}: cannot be read (${(err as Error).message})`);
  }
  const fix = "re-extract it from the N-MNIST archive, or move it out of the folder";
  if (bytes.byteLength === 0) throw datasetError(`N-MNIST file ${file}: is empty; ${fix}`);
  const rec = parseNmnist(bytes, NMNIST_SENSOR);
  const reasons = problemsOf(rec.problems);
  if (reasons.includes("truncated_word"))
    throw datasetError(
      `N-MNIST file ${file}: ${bytes.byteLength} bytes is not a whole number of 5-byte events (cut short, or not an N-MNIST .bin); ${fix}`,
    );
  if (reasons.includes("address_out_of_range"))
    throw datasetError(
      `N-MNIST file ${file}: ${rec.dropped} event(s) address pixels outside the 34×34 sensor (not an N-MNIST .bin?); ${fix}`,
    );
  if (rec.batch.count === 0)
    throw datasetError(`N-MNIST file ${file}: holds no events (only overflow markers); ${fix}`);
  return rec;
}
