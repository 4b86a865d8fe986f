/** Worker thread body for worker-pool.ts: one TF.js backend, one shard per message. */
import { parentPort, workerData } from "node:worker_threads";
import { initBackend, type BackendChoice } from "./backend.js";
import { shardFunction, type WorkerInit } from "./worker-pool.js";

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error("gradient-worker must run as a worker thread");

try {
  await initBackend(init.backend as BackendChoice);
  const shard = shardFunction(init);
  port.on(
    "message",
    (job: {
      params: Float32Array[];
      pixels: Float32Array;
      labels: Int32Array;
      count: number;
      batchTotal: number;
      noiseSeed: number;
    }) => {
      try {
        const r = shard(
          job.params,
          job.pixels,
          job.labels,
          job.count,
          job.batchTotal,
          job.noiseSeed,
        );
        port.postMessage(
          r,
          r.grads.map((g) => g.buffer as ArrayBuffer),
        );
      } catch (err) {
        port.postMessage({ error: (err as Error).stack ?? String(err) });
      }
    },
  );
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ error: (err as Error).message });
}
