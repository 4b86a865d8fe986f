/**
 * The training loop: seeded shuffle and validation split, Adam with exponential learning-rate
 * decay, progress bar, a log file, and checkpoints every epoch and every few minutes that
 * resume exactly (parameters, optimiser moments, position, RNG state).
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import cliProgress from "cli-progress";
import { adamInit, adamStep, type AdamState } from "./adam.js";
import { batchShape, fillBatch, type Augment } from "./batch.js";
import {
  hasCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointMeta,
  type EpochRecord,
} from "./checkpoint.js";
import { effectiveConfig, type TrainConfig } from "./config.js";
import { loadDataset } from "./datasets/index.js";
import { subset, type ImageSet } from "./datasets/types.js";
import { predictLogits } from "./gradients.js";
import { initParams, paramCount, planNetwork, type Plan } from "./net.js";
import { Rng } from "./rng.js";
import { localPool, workerPool, type GradientPool } from "./worker-pool.js";

export interface TrainOptions {
  config: TrainConfig;
  /** Model directory; the checkpoint goes to <out>/checkpoint. */
  out: string;
  resume: boolean;
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

export interface TrainResult {
  plan: Plan;
  params: Float32Array[];
  history: EpochRecord[];
  finished: boolean;
  train: ImageSet;
  validation: ImageSet | null;
  secondsPerEpoch: number | null;
}

export function checkpointDir(out: string): string {
  return join(out, "checkpoint");
}

/** Splits the training images: a seeded shuffle, the last `validation` held out. */
export function splitTrainValidation(
  all: ImageSet,
  config: TrainConfig,
): { train: ImageSet; validation: ImageSet | null } {
  const n = Math.min(all.count, config.dataset.limit ?? all.count);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Rng(config.training.seed ^ 0x5eed).shuffle(order);
  const nVal = Math.min(config.dataset.validation, Math.floor(n / 2));
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

/** Loss and accuracy of the rate network (no noise) on a set. */
export function evaluateRate(
  plan: Plan,
  params: Float32Array[],
  set: ImageSet,
  /** Centre crop (configs with augment.crop). */
  crop?: number,
): { loss: number; accuracy: number } {
  const augment: Augment | undefined = crop ? { flip: false, shift: 0, crop } : undefined;
  const size = plan.input[0] * plan.input[1] * plan.input[2];
  const classes = set.classes.length;
  const chunk = 500;
  let loss = 0;
  let correct = 0;
  const pixels = new Float32Array(chunk * size);
  const labels = new Int32Array(chunk);
  const idx = new Uint32Array(chunk);
  for (let s = 0; s < set.count; s += chunk) {
    const n = Math.min(chunk, set.count - s);
    for (let k = 0; k < n; k++) idx[k] = s + k;
    fillBatch(set, idx.subarray(0, n), pixels, labels, augment);
    const logits = predictLogits(plan, params, pixels, n);
    for (let k = 0; k < n; k++) {
      let max = -Infinity;
      let arg = 0;
      for (let c = 0; c < classes; c++) {
        const v = logits[k * classes + c];
        if (v > max) {
          max = v;
          arg = c;
        }
      }
      let z = 0;
      for (let c = 0; c < classes; c++) z += Math.exp(logits[k * classes + c] - max);
      loss += Math.log(z) - (logits[k * classes + labels[k]] - max);
      if (arg === labels[k]) correct++;
    }
  }
  return { loss: loss / set.count, accuracy: correct / set.count };
}

function lrAt(config: TrainConfig, step: number, stepsTotal: number): number {
  const { lr, lr_final } = config.training;
  if (!lr_final) return lr;
  return lr * Math.pow(lr_final / lr, Math.min(1, step / stepsTotal));
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
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
  const ck = resuming ? loadCheckpoint(ckDir) : null;
  if (ck) config = ck.meta.config;
  if (opts.resume && !ck) say(`no checkpoint in ${ckDir}; starting from scratch`);

  const all = loadDataset(config.dataset.name, "train", opts.dataDir);
  const { train: trainSet, validation } = splitTrainValidation(all, config);
  const inputCHW = batchShape(trainSet, config.dataset.augment);
  const plan = planNetwork(config, inputCHW);
  const params = ck ? ck.params : initParams(plan, config.training.seed);
  const adam: AdamState = ck ? ck.adam : adamInit(params);
  const rng = new Rng(ck ? ck.meta.rngState : config.training.seed ^ 0xa5a5a5a5);
  const decay = plan.params.map((p) => (p.kind === "weight" ? config.training.weight_decay : 0));

  const B = config.training.batch_size;
  const batchesPerEpoch = Math.floor(trainSet.count / B);
  if (batchesPerEpoch < 1)
    throw Object.assign(
      new Error(`batch_size ${B} exceeds the ${trainSet.count} training images`),
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
  const history: EpochRecord[] = ck ? ck.meta.history : [];

  say(
    `${resuming ? "resuming" : "starting"} ${config.name}: backend ${opts.backend}, ${opts.threads} thread(s), ` +
      `${paramCount(plan)} parameters, ${trainSet.count} train / ${validation?.count ?? 0} validation images, ` +
      `batch ${B}, ${batchesPerEpoch} batches/epoch, epoch ${epoch + 1}/${config.training.epochs} batch ${batch}`,
  );

  // The pool computes with the config of the current epoch (training.anneal changes σ, dropout).
  let poolKey = "";
  let pool: GradientPool | null = null;
  const poolFor = async (e: number): Promise<GradientPool> => {
    const eff = effectiveConfig(config, e);
    const key = JSON.stringify([eff.neuron, eff.layers]);
    if (pool && key === poolKey) return pool;
    await pool?.close();
    if (poolKey || eff !== config)
      say(
        `epoch ${e + 1}: training noise sigma ${eff.neuron.sigma}, gamma ${eff.neuron.gamma}, dropout ${
          eff.layers
            .filter((l) => l.type === "dropout")
            .map((l) => l.rate)
            .join("/") || "none"
        }`,
      );
    poolKey = key;
    const effPlan = planNetwork(eff, inputCHW);
    pool =
      opts.threads > 1
        ? await workerPool(effPlan, opts.threads, { config: eff, inputCHW, backend: opts.backend })
        : localPool(effPlan);
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
      history,
      paramShapes: plan.params.map((p) => p.shape),
      saved: new Date().toISOString(),
    };
    saveCheckpoint(ckDir, { meta, params, adam });
  };

  const size = inputCHW[0] * inputCHW[1] * inputCHW[2];
  const pixels = new Float32Array(B * size);
  const labels = new Int32Array(B);
  let batchesRun = 0;
  let lastSave = Date.now();
  const checkpointMs = config.training.checkpoint_minutes * 60_000;
  let stopped = false;

  try {
    while (epoch < config.training.epochs) {
      const active = await poolFor(epoch);
      const order = epochOrder(trainSet.count, config.training.seed, epoch);
      const bar =
        opts.progress !== false
          ? new cliProgress.SingleBar(
              {
                format: `epoch ${epoch + 1}/${config.training.epochs} [{bar}] {value}/{total} loss {loss} acc {acc} | {rate} img/s | ETA {eta_formatted}`,
                noTTYOutput: true,
                notTTYSchedule: 1000 * (opts.progressSeconds ?? 60),
                etaBuffer: 50,
              },
              cliProgress.Presets.legacy,
            )
          : null;
      bar?.start(batchesPerEpoch, batch, { loss: "-", acc: "-", rate: "-" });
      let t0 = performance.now();
      while (batch < batchesPerEpoch) {
        if (opts.maxBatches !== undefined && batchesRun >= opts.maxBatches) {
          stopped = true;
          break;
        }
        fillBatch(
          trainSet,
          order.subarray(batch * B, (batch + 1) * B),
          pixels,
          labels,
          config.dataset.augment,
          rng,
        );
        const noiseSeed = rng.nextUint32();
        const r = await active.compute(params, pixels, labels, B, noiseSeed);
        // In-process gradients never yield; let timers (the progress bar's) run between batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const lr = lrAt(config, adam.step, stepsTotal);
        adamStep(params, r.grads, adam, lr, config.training, decay);
        if (!Number.isFinite(r.lossSum))
          throw new Error(
            `loss became ${r.lossSum} at epoch ${epoch + 1} batch ${batch}; lower the learning rate`,
          );
        lossSum += r.lossSum;
        correct += r.correct;
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
        });
        if (Date.now() - lastSave > checkpointMs) {
          save();
          lastSave = Date.now();
          appendFileSync(
            logFile,
            `${new Date().toISOString()} checkpoint epoch ${epoch + 1} batch ${batch}/${batchesPerEpoch} loss ${(lossSum / seen).toFixed(4)} acc ${((100 * correct) / seen).toFixed(2)}% ${epochSeconds.toFixed(0)} s\n`,
          );
        }
      }
      bar?.stop();
      if (stopped) break;
      const tv = performance.now();
      const val = validation
        ? // With the epoch's γ (training.anneal); noise and dropout are off at inference anyway.
          evaluateRate(
            planNetwork(effectiveConfig(config, epoch), inputCHW),
            params,
            validation,
            config.dataset.augment.crop,
          )
        : null;
      const record: EpochRecord = {
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        valLoss: val?.loss ?? null,
        valAccuracy: val?.accuracy ?? null,
        lr: lrAt(config, adam.step, stepsTotal),
        seconds: epochSeconds,
        threads: opts.threads,
        gamma: effectiveConfig(config, epoch).neuron.gamma,
      };
      totalSeconds += (performance.now() - tv) / 1000;
      history.push(record);
      epoch++;
      batch = 0;
      lossSum = 0;
      correct = 0;
      seen = 0;
      epochSeconds = 0;
      save();
      lastSave = Date.now();
      say(
        `epoch ${record.epoch}/${config.training.epochs}: train loss ${record.trainLoss.toFixed(4)} acc ${(100 * record.trainAccuracy).toFixed(2)}%` +
          (val
            ? `, validation loss ${val.loss.toFixed(4)} acc ${(100 * val.accuracy).toFixed(2)}%`
            : "") +
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
  return {
    plan,
    params,
    history,
    finished: epoch >= config.training.epochs,
    train: trainSet,
    validation,
    secondsPerEpoch: full.length ? full.reduce((s, h) => s + h.seconds, 0) / full.length : null,
  };
}
