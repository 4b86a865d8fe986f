/**
 * Training checkpoints: `checkpoint.json` (position, RNG state, optimiser step, history) beside
 * `checkpoint.bin` (parameters, then Adam's first and second moments, float32 little-endian).
 * Written to temporary names and renamed, so a kill mid-write leaves the previous checkpoint.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AdamState } from "./adam.js";
import type { AnyTrainConfig, TrainConfig } from "./config.js";

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  lr: number;
  seconds: number;
  threads: number;
  /** Soft-LIF γ the validation figures were computed with (absent in older records: the config's). */
  gamma?: number;
  /** Sequence networks: spikes per hidden neuron per step during the epoch's training batches. */
  trainFiringRate?: number;
  /** Sequence networks: spikes per hidden neuron per step on the validation set. */
  valFiringRate?: number;
  /** Sequence networks: spikes per neuron per step of each hidden layer, training batches. */
  trainLayerFiringRates?: number[];
  /** Sequence networks: the same on the validation set. */
  valLayerFiringRates?: number[];
  /** Sequence networks with a rate penalty: its mean per sample (not part of trainLoss/valLoss). */
  trainPenalty?: number;
  valPenalty?: number;
  /** Weight averaging: epoch ends in the mean so far, and the mean's validation accuracy. */
  averageOf?: number;
  averageValAccuracy?: number;
}

/** Where a fine-tuning run took its starting parameters (`spikenode train --init-from`). */
export interface InitProvenance {
  path: string;
  name: string;
  epochsDone: number;
  batchesIntoEpoch: number;
  /** That run's epoch records, so curves can draw the whole chain (absent in older checkpoints). */
  history?: EpochRecord[];
  /** Where that run itself started from, when it was also a fine-tuning run. */
  initFrom?: InitProvenance;
}

export interface CheckpointMeta<C extends AnyTrainConfig = AnyTrainConfig> {
  format: "spikenode-train-checkpoint";
  version: 1;
  config: C;
  inputCHW: [number, number, number];
  /** Next epoch to run (0-based) and next batch within it. */
  epoch: number;
  batch: number;
  rngState: number;
  adamStep: number;
  /** Running sums of the epoch in progress, so a resumed epoch reports the same averages. */
  epochLossSum: number;
  epochCorrect: number;
  epochSeen: number;
  epochSeconds: number;
  totalSeconds: number;
  /** Task-specific running sums of the epoch in progress (sequence nets: spikes, neuron-steps). */
  epochStats?: number[];
  /** Set when the run started from another run's parameters. */
  initFrom?: InitProvenance;
  /** Epoch ends averaged into `average.bin` (training.average_from). */
  averageCount?: number;
  history: EpochRecord[];
  paramShapes: number[][];
  saved: string;
}

/** Running mean of the parameters at epoch ends (training.average_from). */
export interface ParamAverage {
  count: number;
  params: Float32Array[];
}

export interface Checkpoint<C extends AnyTrainConfig = AnyTrainConfig> {
  meta: CheckpointMeta<C>;
  params: Float32Array[];
  adam: AdamState;
  average?: ParamAverage;
}

const META = "checkpoint.json";
const DATA = "checkpoint.bin";
const AVERAGE = "average.bin";

/** Float32 arrays back to back, as bytes. */
function concat(arrays: Float32Array[]): Uint8Array {
  const all = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    all.set(a, o);
    o += a.length;
  }
  return new Uint8Array(all.buffer);
}

/** Consecutive arrays of the given sizes from float32 bytes (the inverse of concat). */
function split(raw: Buffer, sizes: number[]): Float32Array[] {
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  let o = 0;
  return sizes.map((n) => {
    const a = all.slice(o, o + n);
    o += n;
    return a;
  });
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, META)) && existsSync(join(dir, DATA));
}

export function saveCheckpoint(dir: string, ck: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  // Float32Array is host-endian; every supported host is little-endian, which we check on load.
  writeFileSync(join(dir, `${DATA}.tmp`), concat([...ck.params, ...ck.adam.m, ...ck.adam.v]));
  if (ck.average) writeFileSync(join(dir, `${AVERAGE}.tmp`), concat(ck.average.params));
  writeFileSync(
    join(dir, `${META}.tmp`),
    JSON.stringify(
      {
        ...ck.meta,
        adamStep: ck.adam.step,
        ...(ck.average ? { averageCount: ck.average.count } : {}),
      },
      null,
      1,
    ) + "\n",
  );
  renameSync(join(dir, `${DATA}.tmp`), join(dir, DATA));
  if (ck.average) renameSync(join(dir, `${AVERAGE}.tmp`), join(dir, AVERAGE));
  renameSync(join(dir, `${META}.tmp`), join(dir, META));
}

/** A feed-forward soft-LIF checkpoint (a sequence network's is refused with a clear message). */
export function loadCheckpoint(dir: string): Checkpoint<TrainConfig> {
  const ck = loadAnyCheckpoint(dir);
  if ("kind" in ck.meta.config)
    throw Object.assign(
      new Error(
        `${join(dir, META)}: a ${ck.meta.config.kind} sequence-network checkpoint, not a feed-forward soft-LIF one`,
      ),
      { userFacing: true },
    );
  return ck as Checkpoint<TrainConfig>;
}

/** A checkpoint of any network kind. */
export function loadAnyCheckpoint(dir: string): Checkpoint {
  const metaPath = join(dir, META);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(readFileSync(metaPath, "utf8")) as CheckpointMeta;
  } catch (err) {
    throw Object.assign(
      new Error(`cannot read checkpoint ${metaPath}: ${(err as Error).message}`),
      { userFacing: true },
    );
  }
  if (meta.format !== "spikenode-train-checkpoint" || meta.version !== 1) {
    throw Object.assign(new Error(`${metaPath}: not a version-1 spikenode training checkpoint`), {
      userFacing: true,
    });
  }
  const raw = readFileSync(join(dir, DATA));
  const sizes = meta.paramShapes.map((s) => s.reduce((a, b) => a * b, 1));
  const per = sizes.reduce((a, b) => a + b, 0);
  if (raw.byteLength !== per * 3 * 4) {
    throw Object.assign(
      new Error(
        `${join(dir, DATA)}: ${raw.byteLength} bytes, expected ${per * 12} for the shapes in ${META}; the checkpoint is damaged`,
      ),
      { userFacing: true },
    );
  }
  const arrays = split(raw, [...sizes, ...sizes, ...sizes]);
  const k = sizes.length;
  const [params, m, v] = [arrays.slice(0, k), arrays.slice(k, 2 * k), arrays.slice(2 * k)];
  let average: ParamAverage | undefined;
  if (meta.averageCount) {
    const avgRaw = readFileSync(join(dir, AVERAGE));
    if (avgRaw.byteLength !== per * 4)
      throw Object.assign(
        new Error(
          `${join(dir, AVERAGE)}: ${avgRaw.byteLength} bytes, expected ${per * 4}; the checkpoint is damaged`,
        ),
        { userFacing: true },
      );
    average = { count: meta.averageCount, params: split(avgRaw, sizes) };
  }
  return { meta, params, adam: { step: meta.adamStep, m, v }, ...(average ? { average } : {}) };
}
