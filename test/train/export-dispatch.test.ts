/**
 * `spikenode train --export-only` picks the exporter by the checkpoint's kind, not by the
 * --config file: a sequence checkpoint goes to the sequence export (src/train/cli-train.ts)
 * even when the config named is a feed-forward one, with the --data-dir given.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/train/backend.js";
import { parseAnyTrainConfig } from "../../src/train/config.js";
import type { SequenceTrainConfig } from "../../src/train/srnn/config.js";
import { trainSequence } from "../../src/train/srnn/train-sequence.js";
import { ROOT, runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;

beforeAll(async () => {
  await initBackend("wasm");
});

describe("train --export-only", () => {
  it("exports a sequence checkpoint as one, whatever --config names", async () => {
    const out = join(tempDir(), "rnn");
    const config = parseAnyTrainConfig(
      JSON.stringify({
        name: "tiny-rnn",
        kind: "rnn",
        dataset: { name: "fashion-mnist", validation: 100 },
        hidden: [16],
        training: { epochs: 1, batch_size: 50, lr: 0.01, seed: 3 },
      }),
      "tiny-rnn.json",
    ) as SequenceTrainConfig;
    const result = await trainSequence({
      config,
      out,
      resume: false,
      threads: 1,
      backend: "wasm",
      dataDir: FIXTURE,
      progress: false,
      log: () => undefined,
    });
    expect(result.finished).toBe(true);
    expect(existsSync(join(out, "baseline.json"))).toBe(false);
    const run = runCli([
      "train",
      "--config",
      join(ROOT, "models/configs/fashion-mnist-lif.yaml"),
      "--out",
      out,
      "--export-only",
      "--backend",
      "wasm",
      "--data-dir",
      FIXTURE,
    ]);
    expect(run.status, String(run.stderr)).toBe(0);
    const baseline = JSON.parse(readFileSync(join(out, "baseline.json"), "utf8")) as {
      kind: string;
    };
    expect(baseline.kind).toBe("rnn");
  }, 300_000);
});
