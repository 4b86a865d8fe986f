/** `spikenode train`: parses options, picks the backend, trains, exports. */
import type { Command } from "commander";
import { initBackend, type BackendChoice } from "./backend.js";
import { loadAnyTrainConfig, userError } from "./config.js";
import { train } from "./train-soft-lif.js";
import { checkpointDir } from "./trainer.js";
import { hasCheckpoint, loadAnyCheckpoint } from "./checkpoint.js";
import { isSequenceConfig, type SequenceTrainConfig } from "./srnn/config.js";

interface TrainCliOptions {
  config: string;
  out: string;
  resume: boolean;
  initFrom?: string;
  threads: string;
  backend: string;
  dataDir?: string;
  maxBatches?: string;
  export: boolean;
  exportOnly: boolean;
  progress: boolean;
  progressSeconds: string;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw userError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

export async function runTrain(command: Command): Promise<void> {
  const o = command.opts<TrainCliOptions>();
  const threads = positiveInt(o.threads, "--threads");
  const maxBatches =
    o.maxBatches !== undefined ? positiveInt(o.maxBatches, "--max-batches") : undefined;
  const backends = ["auto", "tensorflow", "wasm", "cpu"];
  if (!backends.includes(o.backend))
    throw userError(`--backend must be one of ${backends.join(", ")}, got "${o.backend}"`);
  // With --resume training continues with the checkpoint's config, except for the schedule and
  // spiking settings the file may change (src/train/resume-config.ts); reading it surfaces typos.
  const anyConfig = loadAnyTrainConfig(o.config);
  if (isSequenceConfig(anyConfig)) {
    await runSequenceTrain(o, anyConfig, threads, maxBatches);
    return;
  }
  const fileConfig = anyConfig;
  if (o.exportOnly) {
    // The checkpoint, not the --config file, says which exporter applies: a sequence network
    // (srnn → model files, rnn/lstm → baseline.json) or a feed-forward soft-LIF one.
    const ckDir = checkpointDir(o.out);
    if (hasCheckpoint(ckDir) && isSequenceConfig(loadAnyCheckpoint(ckDir).meta.config)) {
      await exportSequenceOnly(o);
      return;
    }
    const { exportCheckpoint } = await import("./export.js");
    await exportCheckpoint(o.out, fileConfig.spiking);
    return;
  }
  const backend = await initBackend(o.backend as BackendChoice);
  process.stdout.write(`spikenode train: TensorFlow.js backend ${backend}, ${threads} thread(s)\n`);
  const result = await train({
    // On --resume the trainer merges the file into the checkpoint's config and logs what it took
    // and what it kept; export writes the merged config it returns.
    config: fileConfig,
    out: o.out,
    resume: o.resume,
    initFrom: o.initFrom,
    threads,
    backend,
    dataDir: o.dataDir,
    maxBatches,
    progress: o.progress,
    progressSeconds: Number(o.progressSeconds),
  });
  if (result.finished && o.export) {
    // Imported late so a long run picks up the export code present when it finishes.
    const { exportTrained } = await import("./export.js");
    await exportTrained({ out: o.out, config: result.config, result });
  }
}

/** srnn / rnn / lstm: train, then export (srnn) or write baseline.json (rnn, lstm). */
async function runSequenceTrain(
  o: TrainCliOptions,
  fileConfig: SequenceTrainConfig,
  threads: number,
  maxBatches: number | undefined,
): Promise<void> {
  const ckDir = checkpointDir(o.out);
  if (o.exportOnly) {
    await exportSequenceOnly(o);
    return;
  }
  if (o.resume && hasCheckpoint(ckDir)) {
    const stored = loadAnyCheckpoint(ckDir).meta.config;
    if (!isSequenceConfig(stored))
      throw userError(
        `${ckDir} holds a feed-forward checkpoint, but ${o.config} is a ${fileConfig.kind} config`,
      );
  }
  const backend = await initBackend(o.backend as BackendChoice);
  process.stdout.write(
    `spikenode train: ${fileConfig.kind}, TensorFlow.js backend ${backend}, ${threads} thread(s)\n`,
  );
  const { trainSequence } = await import("./srnn/train-sequence.js");
  const result = await trainSequence({
    config: fileConfig,
    out: o.out,
    resume: o.resume,
    initFrom: o.initFrom,
    threads,
    backend,
    dataDir: o.dataDir,
    maxBatches,
    progress: o.progress,
    progressSeconds: Number(o.progressSeconds),
  });
  if (result.finished && o.export) {
    const { finishSequenceRun } = await import("./srnn/finish.js");
    await finishSequenceRun({
      out: o.out,
      config: result.config,
      plan: result.plan,
      params: result.params,
      history: result.history,
      dataDir: o.dataDir,
      ...(result.initFrom ? { initFrom: result.initFrom } : {}),
    });
  }
}

/** `--export-only` of a sequence checkpoint, whichever config file named it. */
async function exportSequenceOnly(o: TrainCliOptions): Promise<void> {
  // Export measures the test set with the network, so it needs a fast backend too.
  await initBackend(o.backend as BackendChoice);
  const { exportSequenceCheckpoint } = await import("./srnn/finish.js");
  await exportSequenceCheckpoint(o.out, o.dataDir);
}
