/** Worker thread body for nmnist-eval.ts: one shard of the recordings, summed. */
import { parentPort, workerData } from "node:worker_threads";
import { loadModel } from "../snn/model-file.js";
import type { NmnistSample } from "./datasets/nmnist.js";
import { tallyRecordings, type NmnistWorkerMessage } from "./nmnist-eval.js";

const init = workerData as { modelDir: string; samples: NmnistSample[] };
const port = parentPort;
if (!port) throw new Error("nmnist-worker must run as a worker thread");
const send = (m: NmnistWorkerMessage) => port.postMessage(m);

try {
  const model = await loadModel(init.modelDir);
  const tally = tallyRecordings(model, init.samples, () => send({ type: "progress" }));
  send({ type: "done", tally });
} catch (err) {
  const e = err as Error & { userFacing?: boolean };
  send({ type: "error", message: e.message ?? String(err), userFacing: e.userFacing === true });
}
