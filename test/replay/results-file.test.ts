/**
 * `replay --results FILE` (a line per frame, JSONL or CSV by extension), the per-class accuracy
 * and confusion matrix of the summary, `--plot` drawing it, and --timesteps / --early-exit.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replayBag, type ReplaySummary } from "../../src/bag/replay/index.js";
import { csvHeader, csvRow, resultRecord } from "../../src/bag/replay/results-file.js";
import { runCli } from "../support/cli.js";
import { FIXTURE_MODEL, ROOT, SHIPPED_MODEL, fixtureBag, tempDir } from "./helpers.js";

const spikenode = (args: string[]) => runCli(args, { cwd: ROOT });

/** A small CSV reader (quoted fields with "" escapes), enough to read our own rows back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trim().split("\n")) {
    const fields: string[] = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let v = "";
        i++;
        while (i < line.length) {
          if (line[i] === '"' && line[i + 1] === '"') {
            v += '"';
            i += 2;
          } else if (line[i] === '"') break;
          else v += line[i++];
        }
        fields.push(v);
        i += 2;
      } else {
        const end = line.indexOf(",", i);
        fields.push(line.slice(i, end < 0 ? line.length : end));
        i = end < 0 ? line.length + 1 : end + 1;
      }
    }
    rows.push(fields);
  }
  return rows;
}

describe("replay --results / --plot", () => {
  it("JSONL: one line per frame matching the summary; the confusion matrix counts every labelled frame", () => {
    const dir = tempDir();
    const results = join(dir, "frames.jsonl");
    const plot = join(dir, "confusion.svg");
    const r = spikenode([
      "replay",
      fixtureBag("fm_mono8_20.mcap"),
      "--model",
      FIXTURE_MODEL,
      "--out",
      join(dir, "out"),
      "--results",
      results,
      "--plot",
      plot,
      "--json",
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as ReplaySummary;
    const lines = readFileSync(results, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ReturnType<typeof resultRecord>);
    expect(lines).toHaveLength(s.frames);
    expect(lines.map((l) => l.frame)).toEqual([...Array(s.frames).keys()]);
    const truth = JSON.parse(readFileSync(fixtureBag("fm_mono8_20.mcap.labels.json"), "utf8"))
      .labels as number[];
    for (const l of lines) {
      expect(l.stamp).toMatch(/^\d+\.\d{9}$/);
      expect(l.scores).toHaveLength(10);
      expect(l.scores!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(l.confidence).toBe(Math.max(...l.scores!));
      expect(l.ticks).toBe(s.model.timesteps);
      expect(l.energy).toBeGreaterThan(0);
      expect(l.energy_unit).toBe("J");
      expect(l.latency_ms).toBeGreaterThan(0);
      expect(l.true_class).toBe(truth[l.frame]);
      expect(l.error).toBeNull();
    }
    const a = s.accuracy!;
    expect(a.confusion.flat().reduce((x, y) => x + y, 0)).toBe(a.labelled);
    const expected = s.model.labels.map(() => s.model.labels.map(() => 0));
    for (const l of lines) expected[l.true_class!][l.class_id!] += 1;
    expect(a.confusion).toEqual(expected);
    expect(a.perClass.reduce((x, c) => x + c.correct, 0)).toBe(a.correct);
    expect(lines.reduce((x, l) => x + (l.energy ?? 0), 0) / lines.length).toBeCloseTo(
      s.energy!.perFrame,
      12,
    );
    // The picture: one cell per (true, predicted) pair, the counts written in.
    const svg = readFileSync(plot, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(100);
    expect(r.stderr).toContain(`wrote ${s.frames} frame lines to ${results}`);
    expect(r.stderr).toContain(`wrote the confusion matrix to ${plot}`);
    // An existing results file is kept unless --force.
    const again = spikenode([
      "replay",
      fixtureBag("fm_mono8_20.mcap"),
      "--model",
      FIXTURE_MODEL,
      "--out",
      join(dir, "out2"),
      "--results",
      results,
    ]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/--results .*frames\.jsonl exists; pass --force/);
  });

  it("CSV by extension, with per-class accuracy and the matrix in the text summary; --timesteps and --early-exit", () => {
    const dir = tempDir();
    const results = join(dir, "frames.CSV");
    const r = spikenode([
      "replay",
      fixtureBag("fm_png_10.mcap"),
      "--model",
      FIXTURE_MODEL,
      "--out",
      join(dir, "out"),
      "--results",
      results,
      "--timesteps",
      "60",
      "--early-exit",
      "1:5",
      "--no-progress",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const rows = parseCsv(readFileSync(results, "utf8"));
    const header = rows[0];
    expect(header.slice(0, 6)).toEqual([
      "frame",
      "stamp",
      "offset_s",
      "class",
      "class_id",
      "confidence",
    ]);
    expect(header.filter((h) => h.startsWith("score_"))).toHaveLength(10);
    expect(rows).toHaveLength(11);
    const ticks = rows.slice(1).map((row) => Number(row[header.indexOf("ticks")]));
    expect(ticks.every((t) => t >= 1 && t <= 60)).toBe(true);
    expect(ticks.some((t) => t < 60)).toBe(true);
    const mean = ticks.reduce((a, b) => a + b, 0) / ticks.length;
    expect(r.stdout).toContain(
      `(60 ticks of 1 ms, reset, early exit at a lead of 1 for 5 ticks: ${mean.toFixed(1)} ticks per frame on average)`,
    );
    expect(r.stdout).toMatch(/^per class: /m);
    expect(r.stdout).toMatch(/^confusion matrix \(rows: true class, columns: predicted class\):$/m);
    expect(r.stdout).toMatch(/^ {2}9 9 +(\d+ +){9}\d+$/m);
  });

  it("--plot without true classes says why there is no picture; a bad bag leaves no results file", () => {
    const dir = tempDir();
    const bag = join(dir, "nolabels.mcap");
    writeFileSync(bag, readFileSync(fixtureBag("fm_png_10.mcap")));
    const plot = join(dir, "c.svg");
    const r = spikenode([
      "replay",
      bag,
      "--model",
      FIXTURE_MODEL,
      "--out",
      join(dir, "o"),
      "--limit",
      "2",
      "--plot",
      plot,
      "--no-progress",
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /note: no confusion matrix for --plot .*c\.svg: the frames have no true classes/,
    );
    expect(existsSync(plot)).toBe(false);
    const results = join(dir, "r.jsonl");
    const bad = spikenode([
      "replay",
      join(dir, "missing.mcap"),
      "--model",
      FIXTURE_MODEL,
      "--results",
      results,
    ]);
    expect(bad.status).toBe(2);
    expect(existsSync(results)).toBe(false);
  });

  it("CSV fields with commas or quotes are quoted; frames without a result carry their error", () => {
    expect(csvHeader(["a,b", 'say "hi"']).endsWith(',"score_a,b","score_say ""hi"""')).toBe(true);
    const rec = resultRecord({
      index: 4,
      total: 9,
      offsetSec: 0.5,
      error: {
        seq: 4,
        reason: "decode_failed",
        message: "bad PNG",
        header: { stamp: { sec: 3, nanosec: 5 }, frame_id: "" },
      },
    });
    expect(rec).toMatchObject({
      frame: 4,
      stamp: "3.000000005",
      class: null,
      ticks: null,
      error: "decode_failed",
    });
    expect(csvRow(rec, 2)).toBe("4,3.000000005,0.5,,,,,,,,,,,,decode_failed,,");
  });

  it("--timesteps that never reach the model's readout window are refused, not run at chance", async () => {
    // fashion-mnist-lif reads out from tick 100: 60 ticks would score every class alike.
    await expect(
      replayBag({
        bag: fixtureBag("fm_png_10.mcap"),
        model: SHIPPED_MODEL,
        out: join(tempDir(), "o"),
        timesteps: 60,
      }),
    ).rejects.toThrow(
      /timesteps 60: fashion-mnist-lif reads its output from tick 100 on .*give more than 100 ticks/,
    );
  });
});
