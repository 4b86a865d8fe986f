/**
 * The training loop: seeded shuffle and validation split, Adam with exponential learning-rate
 * decay, progress bar, a log file, and checkpoints every epoch and every few minutes that
 * resume exactly (parameters, optimiser moments, position, RNG state).
 *
 * The loop is generic over the network kind: a `TrainTask` says what the parameters are, how a
 * batch is filled, which gradient function the workers run and how validation is measured.
 * train-soft-lif.ts runs the feed-forward soft-LIF task; `src/train/srnn/train-sequence.ts` the
 * recurrent sequence networks.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import cliProgress from "cli-progress";
import { adamInit, adamStep, type AdamState } from "./adam.js";
import {
  hasCheckpoint,
  loadAnyCheckpoint,
  saveCheckpoint,
  type CheckpointMeta,
  type EpochRecord,
  type InitProvenance,
  type ParamAverage,
} from "./checkpoint.js";
import type { AnyTrainConfig } from "./config.js";
import { subset, type ImageSet } from "./datasets/types.js";
import type { TrainableParam } from "./net.js";
import { resumeConfig, RESUMABLE_FIELDS } from "./resume-config.js";
import { Rng } from "./rng.js";
import { localPool, workerPool, type GradientPool, type WorkerInit } from "./worker-pool.js";

/** Options of any training run; `config` is the kind's config. */
export interface RunOptions<C extends AnyTrainConfig> {
  config: C;
  /** Model directory; the checkpoint goes to <out>/checkpoint. */
  out: string;
  resume: boolean;
  /**
   * Fine-tuning: take the parameters (only) of this checkpoint, or of `<dir>/checkpoint`, for a
   * run that starts fresh; the architecture must match. Ignored when resuming.
   */
  initFrom?: string;
  threads: number;
  backend: string;
  dataDir?: string;
  /** Stop after this many batches in total (tests and timing); the checkpoint stays resumable. */
  maxBatches?: number;
  /** Show the progress bar (otherwise only log lines). */
  progress?: boolean;
  /** When output is not a terminal, print the progress line this often (default 60 s). */
  progressSeconds?: number;
  log?: (line: string) => void;
}

/** What the generic loop needs to know about a network kind and its data. */
export interface TrainTask {
  params: TrainableParam[];
  initParams(): Float32Array[];
  /** Learning-rate multiplier per parameter (default 1). */
  lrScale?: number[];
  /** [C, H, W] of the dataset's images (stored in the checkpoint). */
  inputCHW: [number, number, number];
  trainCount: number;
  /** e.g. "55000 train / 5000 validation images" */
  dataSummary: string;
  sampleSize: number;
  labelWidth: number;
  /** Writes training samples `indices` and their labels; augmentation draws from `rng`. */
  fillBatch(indices: Uint32Array, inputs: Float32Array, labels: Int32Array, rng: Rng): void;
  /** The network the workers compute in `epoch` (0-based); a change restarts the pool. */
  workerInit(epoch: number): WorkerInit;
  /** A log line for the settings of `epoch` when they changed (or differ from the config). */
  describeEpoch?(epoch: number, changed: boolean): string | null;
  validate(
    params: Float32Array[],
    epoch: number,
  ): { loss: number; accuracy: number; firingRate?: number } | null;
  /**
   * Extra fields of the epoch record (e.g. the γ validation used), called after `validate`;
   * `stats` are the epoch's summed ShardResult stats.
   */
  epochFields?(epoch: number, stats: number[]): Partial<EpochRecord>;
  /** Projection after each optimiser step (e.g. keep time constants positive). */
  afterStep?(params: Float32Array[]): void;
}

export interface RunResult<C extends AnyTrainConfig> {
  config: C;
  params: Float32Array[];
  history: EpochRecord[];
  finished: boolean;
  secondsPerEpoch: number | null;
  /** Where the run took its starting parameters (`--init-from`), with that run's history. */
  initFrom?: InitProvenance;
}

/** Per-layer firing rates and the rate penalty of an epoch record, when it has them. */
function sparsityLine(r: EpochRecord): string {
  const rates = (v: number[] | undefined) => (v ? v.map((x) => x.toFixed(4)).join("/") : "");
  const parts = [
    r.trainLayerFiringRates ? `layer rates train ${rates(r.trainLayerFiringRates)}` : "",
    r.valLayerFiringRates ? `validation ${rates(r.valLayerFiringRates)}` : "",
    r.trainPenalty !== undefined ? `rate penalty train ${r.trainPenalty.toFixed(4)}` : "",
    r.valPenalty !== undefined ? `validation ${r.valPenalty.toFixed(4)}` : "",
  ].filter(Boolean);
  return parts.length ? `, ${parts.join(" ")}` : "";
}

export function checkpointDir(out: string): string {
  return join(out, "checkpoint");
}

/** What a train/validation split depends on (any config kind). */
export interface SplitConfig {
  dataset: { limit?: number; validation: number };
  training: { seed: number };
}

/** The seeded order of the first `limit` samples; the last `nVal` of it are held out. */
export function splitOrder(
  count: number,
  config: SplitConfig,
): { order: Uint32Array; nVal: number; n: number } {
  const n = Math.min(count, config.dataset.limit ?? count);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Rng(config.training.seed ^ 0x5eed).shuffle(order);
  const nVal = Math.min(config.dataset.validation, Math.floor(n / 2));
  return { order, nVal, n };
}

/** Splits the training images: a seeded shuffle, the last `validation` held out. */
export function splitTrainValidation(
  all: ImageSet,
  config: SplitConfig,
): { train: ImageSet; validation: ImageSet | null } {
  const { order, nVal, n } = splitOrder(all.count, config);
  const train = subset(all, order.subarray(0, n - nVal), `${all.name}:train`);
  const validation =
    nVal > 0 ? subset(all, order.subarray(n - nVal), `${all.name}:validation`) : null;
  return { train, validation };
}

function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  new Rng((seed * 2654435761 + epoch * 40503 + 1) >>> 0).shuffle(order);
  return order;
}

function lrAt(config: AnyTrainConfig, step: number, stepsTotal: number): number {
  const { lr, lr_final } = config.training;
  if (!lr_final) return lr;
  return lr * Math.pow(lr_final / lr, Math.min(1, step / stepsTotal));
}

/** Adam with a learning-rate multiplier per parameter: one Adam step per group of equal scale. */
function scaledAdamStep(
  params: Float32Array[],
  grads: Float32Array[],
  adam: AdamState,
  lr: number,
  config: AnyTrainConfig,
  decay: number[],
  scales: number[] | undefined,
): void {
  if (!scales || scales.every((s) => s === 1)) {
    adamStep(params, grads, adam, lr, config.training, decay);
    return;
  }
  for (const scale of [...new Set(scales)]) {
    const idx = scales.flatMap((s, i) => (s === scale ? [i] : []));
    const group: AdamState = {
      step: adam.step,
      m: idx.map((i) => adam.m[i]),
      v: idx.map((i) => adam.v[i]),
    };
    adamStep(
      idx.map((i) => params[i]),
      idx.map((i) => grads[i]),
      group,
      lr * scale,
      config.training,
      idx.map((i) => decay[i]),
    );
  }
  adam.step += 1;
}

/** The parameters of another run's checkpoint, checked against the task's shapes. */
function loadInitialParams(
  from: string,
  specs: TrainableParam[],
): { params: Float32Array[]; line: string; provenance: InitProvenance } {
  const dir = hasCheckpoint(from) ? from : checkpointDir(from);
  if (!hasCheckpoint(dir))
    throw Object.assign(
      new Error(
        `--init-from ${from}: no checkpoint.json and checkpoint.bin there or in ${dir}; ` +
          `point it at a model directory that kept its training checkpoint`,
      ),
      { userFacing: true },
    );
  const ck = loadAnyCheckpoint(dir);
  const want = specs.map((p) => p.shape.join("x")).join(", ");
  const have = ck.meta.paramShapes.map((s) => s.join("x")).join(", ");
  if (want !== have)
    throw Object.assign(
      new Error(
        `--init-from ${from}: its parameters have shapes [${have}] but this config's network ` +
          `needs [${want}]; fine-tuning needs the same architecture`,
      ),
      { userFacing: true },
    );
  const provenance: InitProvenance = {
    path: from,
    name: ck.meta.config.name,
    epochsDone: ck.meta.epoch,
    batchesIntoEpoch: ck.meta.batch,
    history: ck.meta.history,
    ...(ck.meta.initFrom ? { initFrom: ck.meta.initFrom } : {}),
  };
  // A weight-averaged run's result is its mean, not its last parameters.
  return {
    params: ck.average?.params ?? ck.params,
    provenance,
    line:
      `initialising from ${dir} (${provenance.name}, ${provenance.epochsDone} epoch(s) trained` +
      (ck.average ? `, the mean of ${ck.average.count} epoch ends` : "") +
      `): ` +
      `parameters only; optimiser moments, learning-rate schedule, data split and order start fresh`,
  };
}

/** The training loop for any task; `build` makes the task from the (possibly resumed) config. */
export async function runTraining<C extends AnyTrainConfig, T extends TrainTask>(
  opts: RunOptions<C>,
  build: (config: C) => T,
): Promise<RunResult<C> & { task: T }> {
  const log = opts.log ?? ((line: string) => process.stdout.write(line + "\n"));
  const ckDir = checkpointDir(opts.out);
  mkdirSync(ckDir, { recursive: true });
  const logFile = join(ckDir, "train.log");
  const say = (line: string) => {
    const stamped = `${new Date().toISOString()} ${line}`;
    log(stamped);
    appendFileSync(logFile, stamped + "\n");
  };

  let config = opts.config;
  const resuming = opts.resume && hasCheckpoint(ckDir);
  const ck = resuming ? loadAnyCheckpoint(ckDir) : null;
  if (ck) {
    const resumed = resumeConfig(ck.meta.config as C, opts.config);
    config = resumed.config;
    if (resumed.adopted.length > 0)
      say(`resume: taking ${resumed.adopted.join(", ")} from the config file`);
    if (resumed.ignored.length > 0)
      say(
        `resume: the config file differs from the checkpoint in ${resumed.ignored.join(", ")}; ` +
          `the checkpoint's values are kept (only ${RESUMABLE_FIELDS.join(", ")} may change on --resume; ` +
          `start a new --out directory to change the rest)`,
      );
  }
  if (opts.resume && !ck)
    say(`no checkpoint in ${ckDir}; starting ${opts.initFrom ? "a new run" : "from scratch"}`);

  const task = build(config);
  const inputCHW = task.inputCHW;
  const init = !ck && opts.initFrom ? loadInitialParams(opts.initFrom, task.params) : null;
  if (init) say(init.line);
  const initFrom = ck ? ck.meta.initFrom : init?.provenance;
  const params = ck ? ck.params : (init?.params ?? task.initParams());
  const adam: AdamState = ck ? ck.adam : adamInit(params);
  const rng = new Rng(ck ? ck.meta.rngState : config.training.seed ^ 0xa5a5a5a5);
  const decay = task.params.map((p) => (p.kind === "weight" ? config.training.weight_decay : 0));

  const B = config.training.batch_size;
  const batchesPerEpoch = Math.floor(task.trainCount / B);
  if (batchesPerEpoch < 1)
    throw Object.assign(
      new Error(`batch_size ${B} exceeds the ${task.trainCount} training samples`),
      { userFacing: true },
    );
  const stepsTotal = batchesPerEpoch * config.training.epochs;

  let epoch = ck ? ck.meta.epoch : 0;
  let batch = ck ? ck.meta.batch : 0;
  let lossSum = ck ? ck.meta.epochLossSum : 0;
  let correct = ck ? ck.meta.epochCorrect : 0;
  let seen = ck ? ck.meta.epochSeen : 0;
  let epochSeconds = ck ? ck.meta.epochSeconds : 0;
  let totalSeconds = ck ? ck.meta.totalSeconds : 0;
  let stats: number[] = ck?.meta.epochStats ?? [];
  const history: EpochRecord[] = ck ? ck.meta.history : [];
  const averageFrom = (config.training as { average_from?: number }).average_from;
  let average: ParamAverage | null = ck?.average ?? null;
  const paramTotal = task.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);

  say(
    `${resuming ? "resuming" : "starting"} ${config.name}: backend ${opts.backend}, ${opts.threads} thread(s), ` +
      `${paramTotal} parameters, ${task.dataSummary}, ` +
      `batch ${B}, ${batchesPerEpoch} batches/epoch, epoch ${epoch + 1}/${config.training.epochs} batch ${batch}`,
  );

  let poolKey = "";
  let pool: GradientPool | null = null;
  const poolFor = async (e: number): Promise<GradientPool> => {
    const init = task.workerInit(e);
    const key = JSON.stringify(init);
    if (pool && key === poolKey) return pool;
    await pool?.close();
    const line = task.describeEpoch?.(e, poolKey !== "");
    if (line) say(line);
    poolKey = key;
    pool = opts.threads > 1 ? await workerPool(opts.threads, init) : localPool(init);
    return pool;
  };

  const save = () => {
    const meta: CheckpointMeta = {
      format: "spikenode-train-checkpoint",
      version: 1,
      config,
      inputCHW,
      epoch,
      batch,
      rngState: rng.state,
      adamStep: adam.step,
      epochLossSum: lossSum,
      epochCorrect: correct,
      epochSeen: seen,
      epochSeconds,
      totalSeconds,
      ...(stats.length ? { epochStats: stats } : {}),
      ...(initFrom ? { initFrom } : {}),
      history,
      paramShapes: task.params.map((p) => p.shape),
      saved: new Date().toISOString(),
    };
    saveCheckpoint(ckDir, { meta, params, adam, ...(average ? { average } : {}) });
  };

  const inputs = new Float32Array(B * task.sampleSize);
  const labels = new Int32Array(B * task.labelWidth);
  let batchesRun = 0;
  let lastSave = Date.now();
  const checkpointMs = config.training.checkpoint_minutes * 60_000;
  let stopped = false;
  const rate = () =>
    stats.length >= 2 && stats[1] > 0 ? ` rate ${(stats[0] / stats[1]).toFixed(4)}` : "";

  try {
    while (epoch < config.training.epochs) {
      const active = await poolFor(epoch);
      const order = epochOrder(task.trainCount, config.training.seed, epoch);
      const bar =
        opts.progress !== false
          ? new cliProgress.SingleBar(
              {
                format: `epoch ${epoch + 1}/${config.training.epochs} [{bar}] {value}/{total} loss {loss} acc {acc}{spk} | {rate} samples/s | ETA {eta_formatted}`,
                noTTYOutput: true,
                notTTYSchedule: 1000 * (opts.progressSeconds ?? 60),
                etaBuffer: 50,
              },
              cliProgress.Presets.legacy,
            )
          : null;
      bar?.start(batchesPerEpoch, batch, { loss: "-", acc: "-", rate: "-", spk: "" });
      let t0 = performance.now();
      while (batch < batchesPerEpoch) {
        if (opts.maxBatches !== undefined && batchesRun >= opts.maxBatches) {
          stopped = true;
          break;
        }
        task.fillBatch(order.subarray(batch * B, (batch + 1) * B), inputs, labels, rng);
        const noiseSeed = rng.nextUint32();
        const r = await active.compute(params, inputs, labels, B, noiseSeed);
        // In-process gradients never yield; let timers (the progress bar's) run between batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const lr = lrAt(config, adam.step, stepsTotal);
        scaledAdamStep(params, r.grads, adam, lr, config, decay, task.lrScale);
        task.afterStep?.(params);
        if (!Number.isFinite(r.lossSum))
          throw new Error(
            `loss became ${r.lossSum} at epoch ${epoch + 1} batch ${batch}; lower the learning rate`,
          );
        lossSum += r.lossSum;
        correct += r.correct;
        if (r.stats) {
          if (stats.length !== r.stats.length) stats = r.stats.map(() => 0);
          for (let k = 0; k < stats.length; k++) stats[k] += r.stats[k];
        }
        seen += B;
        batch++;
        batchesRun++;
        const t1 = performance.now();
        epochSeconds += (t1 - t0) / 1000;
        totalSeconds += (t1 - t0) / 1000;
        t0 = t1;
        bar?.update(batch, {
          loss: (lossSum / seen).toFixed(4),
          acc: ((100 * correct) / seen).toFixed(2) + "%",
          rate: (seen / Math.max(epochSeconds, 1e-9)).toFixed(1),
          spk: rate(),
        });
        if (Date.now() - lastSave > checkpointMs) {
          save();
          lastSave = Date.now();
          appendFileSync(
            logFile,
            `${new Date().toISOString()} checkpoint epoch ${epoch + 1} batch ${batch}/${batchesPerEpoch} loss ${(lossSum / seen).toFixed(4)} acc ${((100 * correct) / seen).toFixed(2)}%${rate()} ${epochSeconds.toFixed(0)} s\n`,
          );
        }
      }
      bar?.stop();
      if (stopped) break;
      const tv = performance.now();
      const val = task.validate(params, epoch);
      if (averageFrom !== undefined && epoch + 1 >= averageFrom) {
        if (!average) average = { count: 0, params: params.map((p) => new Float32Array(p.length)) };
        const n = ++average.count;
        average.params.forEach((a, i) => {
          const p = params[i];
          for (let k = 0; k < a.length; k++) a[k] += (p[k] - a[k]) / n;
        });
      }
      // After its first epoch end the mean is the parameters themselves: no second validation.
      const valAverage = !average
        ? null
        : average.count === 1
          ? val
          : task.validate(average.params, epoch);
      const trainRate = stats.length >= 2 && stats[1] > 0 ? stats[0] / stats[1] : undefined;
      const record: EpochRecord = {
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        valLoss: val?.loss ?? null,
        valAccuracy: val?.accuracy ?? null,
        lr: lrAt(config, adam.step, stepsTotal),
        seconds: epochSeconds,
        threads: opts.threads,
        ...task.epochFields?.(epoch, stats),
        ...(trainRate !== undefined ? { trainFiringRate: trainRate } : {}),
        ...(val?.firingRate !== undefined ? { valFiringRate: val.firingRate } : {}),
        ...(valAverage && average
          ? { averageOf: average.count, averageValAccuracy: valAverage.accuracy }
          : {}),
      };
      totalSeconds += (performance.now() - tv) / 1000;
      history.push(record);
      epoch++;
      batch = 0;
      lossSum = 0;
      correct = 0;
      seen = 0;
      epochSeconds = 0;
      stats = [];
      save();
      lastSave = Date.now();
      say(
        `epoch ${record.epoch}/${config.training.epochs}: train loss ${record.trainLoss.toFixed(4)} acc ${(100 * record.trainAccuracy).toFixed(2)}%` +
          (trainRate !== undefined ? ` firing rate ${trainRate.toFixed(4)}` : "") +
          (val
            ? `, validation loss ${val.loss.toFixed(4)} acc ${(100 * val.accuracy).toFixed(2)}%` +
              (val.firingRate !== undefined ? ` firing rate ${val.firingRate.toFixed(4)}` : "")
            : "") +
          (valAverage && average
            ? `, mean of the last ${average.count} epoch ends: validation acc ${(100 * valAverage.accuracy).toFixed(2)}%`
            : "") +
          sparsityLine(record) +
          `, lr ${record.lr.toExponential(2)}, ${record.seconds.toFixed(0)} s`,
      );
    }
    if (stopped) {
      save();
      say(
        `stopped after ${batchesRun} batches at epoch ${epoch + 1} batch ${batch}; checkpoint saved`,
      );
    }
  } finally {
    await (pool as GradientPool | null)?.close();
  }
  const full = history.filter((h) => h.seconds > 0);
  if (average) say(`the result is the mean of the parameters at ${average.count} epoch end(s)`);
  return {
    task,
    config,
    // Stochastic weight averaging: the mean is the trained network.
    params: average ? average.params : params,
    history,
    finished: epoch >= config.training.epochs,
    secondsPerEpoch: full.length ? full.reduce((s, h) => s + h.seconds, 0) / full.length : null,
    ...(initFrom ? { initFrom } : {}),
  };
}
