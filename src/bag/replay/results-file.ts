/**
 * `replay --results FILE`: one line per frame, for a spreadsheet or a notebook: JSON Lines, or
 * CSV when the name ends in .csv. Every frame has a line, in frame order; a frame that could not
 * be classified carries its error reason instead of a class.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { ReplayFrame } from "./index.js";
import { ReplayError } from "./errors.js";

export type ResultsFormat = "jsonl" | "csv";

/** CSV for a name ending in .csv (any case), else JSON Lines. */
export function resultsFormatFor(file: string): ResultsFormat {
  return /\.csv$/i.test(file) ? "csv" : "jsonl";
}

/** One frame's line as an object: the JSONL record, and the CSV row's columns in order. */
export interface ResultRecord {
  /** Position on the image topic, from 0. */
  frame: number;
  /** The image's header stamp, "sec.nanosec" (nanoseconds zero-padded to 9 digits). */
  stamp: string | null;
  /** Log time relative to the first replayed image, s. */
  offset_s: number;
  class: string | null;
  class_id: number | null;
  /** Softmax confidence of the winner, [0, 1]. */
  confidence: number | null;
  /** Softmax score of every class, in class order. */
  scores: number[] | null;
  /** Ticks simulated for the frame (fewer than the presentation's with early exit). */
  ticks: number | null;
  /** Energy of the spiking network for this frame, in energy_unit on energy_profile. */
  energy: number | null;
  /** The same network run once as a conventional ANN, same unit and profile. */
  ann_energy: number | null;
  energy_unit: string | null;
  energy_profile: string | null;
  /** Arrival in the pipeline to result, ms. */
  latency_ms: number | null;
  /** Decode to power estimate, without queueing, ms. */
  processing_ms: number | null;
  /** The true class index when a labels file gives it. */
  true_class: number | null;
  /** Why the frame has no result (a FrameError reason, or "unfinished"). */
  error: string | null;
}

export function resultRecord(f: ReplayFrame): ResultRecord {
  const r = f.result;
  const stamp = r?.header.stamp ?? f.error?.header?.stamp;
  return {
    frame: f.index,
    stamp: stamp ? `${stamp.sec}.${String(stamp.nanosec).padStart(9, "0")}` : null,
    offset_s: f.offsetSec,
    class: r?.className ?? null,
    class_id: r?.classId ?? null,
    confidence: r?.confidence ?? null,
    scores: r ? [...r.scores] : null,
    ticks: r?.timestepsUsed ?? null,
    energy: r?.energy.energyPerFrame ?? null,
    ann_energy: r?.energy.annEnergyPerFrame ?? null,
    energy_unit: r?.energy.unit ?? null,
    energy_profile: r?.energy.profile ?? null,
    latency_ms: r?.timings.total ?? null,
    processing_ms: r ? r.timings.total - r.timings.queue : null,
    true_class: f.trueClass ?? null,
    error: r ? null : (f.error?.reason ?? "unfinished"),
  };
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const SCALAR_COLUMNS = [
  "frame",
  "stamp",
  "offset_s",
  "class",
  "class_id",
  "confidence",
  "ticks",
  "energy",
  "ann_energy",
  "energy_unit",
  "energy_profile",
  "latency_ms",
  "processing_ms",
  "true_class",
  "error",
] as const satisfies readonly (keyof ResultRecord)[];

/** The CSV header: the scalar columns, then score_<class name> per class. */
export function csvHeader(classes: readonly string[]): string {
  return [...SCALAR_COLUMNS, ...classes.map((c) => `score_${c}`)].map(csvField).join(",");
}

export function csvRow(rec: ResultRecord, classes: number): string {
  const scores = rec.scores ?? new Array<null>(classes).fill(null);
  return [...SCALAR_COLUMNS.map((c) => rec[c]), ...scores].map(csvField).join(",");
}

/** Writes the lines as frames arrive; `close()` flushes and reports a write failure. */
export class ResultsWriter {
  readonly format: ResultsFormat;
  lines = 0;
  private classes: readonly string[] = [];
  private failure: Error | undefined;

  private constructor(
    readonly file: string,
    private readonly out: WriteStream,
  ) {
    this.format = resultsFormatFor(file);
    out.on("error", (err) => (this.failure ??= err));
  }

  /** Opens `file` for writing; an existing file is refused unless `overwrite`. */
  static async open(file: string, overwrite = false): Promise<ResultsWriter> {
    const out = createWriteStream(file, { flags: overwrite ? "w" : "wx" });
    try {
      await once(out, "open");
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ReplayError(
        "bad_option",
        e.code === "EEXIST"
          ? `--results ${file} exists; pass --force to replace it, or name another file`
          : `--results ${file} cannot be written: ${e.message}`,
      );
    }
    return new ResultsWriter(file, out);
  }

  /** The model's class names (the CSV's score columns); call before the first frame. */
  begin(classes: readonly string[]): void {
    this.classes = classes;
    if (this.format === "csv") this.out.write(`${csvHeader(classes)}\n`);
  }

  write(frame: ReplayFrame): void {
    const rec = resultRecord(frame);
    this.out.write(
      this.format === "csv" ? `${csvRow(rec, this.classes.length)}\n` : `${JSON.stringify(rec)}\n`,
    );
    this.lines += 1;
  }

  async close(): Promise<void> {
    this.out.end();
    if (!this.out.closed) await once(this.out, "close").catch(() => undefined);
    if (this.failure) {
      throw new ReplayError(
        "bad_option",
        `--results ${this.file} could not be written: ${this.failure.message}`,
      );
    }
  }
}
