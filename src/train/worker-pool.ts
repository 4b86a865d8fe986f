/**
 * Data parallelism: each worker thread holds its own TF.js backend, computes the gradients of
 * a shard of every batch, and the main thread sums them. One thread computes in-process.
 * The network kind is whatever `WorkerInit` describes: a feed-forward soft-LIF plan or a
 * recurrent sequence network; a sample is `sampleSize` floats and `labelWidth` labels.
 */
import type { Worker } from "node:worker_threads";
import type { TrainConfig } from "./config.js";
import { shardGradients, type ShardResult } from "./gradients.js";
import { planNetwork } from "./net.js";
import { spawnWorker } from "./spawn-worker.js";
import type { SequenceTrainConfig } from "./srnn/config.js";
import { planSequenceNetwork } from "./srnn/recurrent-net.js";
import { sequenceShardGradients } from "./srnn/seq-gradients.js";

export interface GradientPool {
  threads: number;
  /** Gradients of the batch's mean loss, its loss sum and correct count. */
  compute(
    params: Float32Array[],
    pixels: Float32Array,
    labels: Int32Array,
    count: number,
    noiseSeed: number,
  ): Promise<ShardResult>;
  close(): Promise<void>;
}

/** What a worker needs to rebuild the network (structured-clone safe). */
export type WorkerInit =
  | {
      kind?: "feedforward";
      config: TrainConfig;
      inputCHW: [number, number, number];
      backend: string;
    }
  | {
      kind: "sequence";
      config: SequenceTrainConfig;
      steps: number;
      inputSize: number;
      classes: number;
      labelWidth: number;
      backend: string;
    };

export type ShardFunction = (
  params: Float32Array[],
  inputs: Float32Array,
  labels: Int32Array,
  count: number,
  batchTotal: number,
  noiseSeed: number,
) => ShardResult;

/** The gradient function of the network `init` describes (main thread or worker). */
export function shardFunction(init: WorkerInit): ShardFunction {
  if (init.kind === "sequence") {
    const plan = planSequenceNetwork(init.config, init.steps, init.inputSize, init.classes);
    return (params, inputs, labels, count, batchTotal) =>
      sequenceShardGradients(plan, params, inputs, labels, count, batchTotal, init.labelWidth);
  }
  const plan = planNetwork(init.config, init.inputCHW);
  return (params, inputs, labels, count, batchTotal, noiseSeed) =>
    shardGradients(plan, params, inputs, labels, count, batchTotal, noiseSeed);
}

/** Floats and labels per sample of the network `init` describes. */
export function sampleLayout(init: WorkerInit): { sampleSize: number; labelWidth: number } {
  if (init.kind === "sequence")
    return { sampleSize: init.steps * init.inputSize, labelWidth: init.labelWidth };
  const [c, h, w] = init.inputCHW;
  return { sampleSize: c * h * w, labelWidth: 1 };
}

interface WorkerJob {
  params: Float32Array[];
  pixels: Float32Array;
  labels: Int32Array;
  count: number;
  batchTotal: number;
  noiseSeed: number;
}

export function localPool(init: WorkerInit): GradientPool {
  const shard = shardFunction(init);
  return {
    threads: 1,
    async compute(params, pixels, labels, count, noiseSeed) {
      return shard(params, pixels, labels, count, count, noiseSeed);
    },
    async close() {},
  };
}

export async function workerPool(threads: number, init: WorkerInit): Promise<GradientPool> {
  const workers: Worker[] = [];
  for (let t = 0; t < threads; t++) {
    const worker = spawnWorker("gradient-worker", init);
    await new Promise<void>((resolve, reject) => {
      worker.once("message", (m: { ready?: boolean; error?: string }) =>
        m.ready ? resolve() : reject(new Error(`gradient worker failed to start: ${m.error}`)),
      );
      worker.once("error", reject);
    });
    workers.push(worker);
  }
  const { sampleSize: size, labelWidth } = sampleLayout(init);
  const run = (worker: Worker, job: WorkerJob): Promise<ShardResult> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: ShardResult | { error: string }) => {
        worker.off("error", onError);
        if ("error" in m) reject(new Error(`gradient worker: ${m.error}`));
        else resolve(m);
      };
      const onError = (err: Error) => {
        worker.off("message", onMessage);
        reject(err);
      };
      worker.once("message", onMessage);
      worker.once("error", onError);
      worker.postMessage(job);
    });
  return {
    threads,
    async compute(params, pixels, labels, count, noiseSeed) {
      const per = Math.ceil(count / threads);
      const jobs: Promise<ShardResult>[] = [];
      for (let t = 0; t < threads; t++) {
        const s = t * per;
        const n = Math.min(per, count - s);
        if (n <= 0) break;
        jobs.push(
          run(workers[t], {
            params,
            pixels: pixels.slice(s * size, (s + n) * size),
            labels: labels.slice(s * labelWidth, (s + n) * labelWidth),
            count: n,
            batchTotal: count,
            noiseSeed: (noiseSeed + 104729 * t) >>> 0,
          }),
        );
      }
      const results = await Promise.all(jobs);
      const sum = results[0];
      for (const r of results.slice(1)) {
        for (let i = 0; i < sum.grads.length; i++) {
          const a = sum.grads[i];
          const b = r.grads[i];
          for (let k = 0; k < a.length; k++) a[k] += b[k];
        }
        sum.lossSum += r.lossSum;
        sum.correct += r.correct;
        if (sum.stats && r.stats)
          for (let k = 0; k < sum.stats.length; k++) sum.stats[k] += r.stats[k];
      }
      return sum;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
