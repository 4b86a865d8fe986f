/**
 * Data parallelism: each worker thread holds its own TF.js backend, computes the gradients of
 * a shard of every batch, and the main thread sums them. One thread computes in-process.
 */
import type { Worker } from "node:worker_threads";
import type { TrainConfig } from "./config.js";
import { shardGradients, type ShardResult } from "./gradients.js";
import type { Plan } from "./net.js";
import { spawnWorker } from "./spawn-worker.js";

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

export interface WorkerInit {
  config: TrainConfig;
  inputCHW: [number, number, number];
  backend: string;
}

interface WorkerJob {
  params: Float32Array[];
  pixels: Float32Array;
  labels: Int32Array;
  count: number;
  batchTotal: number;
  noiseSeed: number;
}

export function localPool(plan: Plan): GradientPool {
  return {
    threads: 1,
    async compute(params, pixels, labels, count, noiseSeed) {
      return shardGradients(plan, params, pixels, labels, count, count, noiseSeed);
    },
    async close() {},
  };
}

export async function workerPool(
  plan: Plan,
  threads: number,
  init: WorkerInit,
): Promise<GradientPool> {
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
  const [h, w, c] = plan.input;
  const size = h * w * c;
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
            labels: labels.slice(s, s + n),
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
      }
      return sum;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
