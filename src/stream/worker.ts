/**
 * The pipeline's worker thread: loads the model, then classifies the frames the main thread
 * posts, one at a time, in order. A bad frame is answered with an error and the worker goes
 * on; only a failure to load the model is fatal.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createFrameProcessor, type FrameProcessor } from "./processor.js";
import type { FromWorker, ToWorker, WorkerConfig } from "./protocol.js";

const port = parentPort;
if (!port) {
  throw new Error("src/stream/worker is a worker thread entry; the pipeline starts it itself.");
}

const post = (message: FromWorker): void => port.postMessage(message);

let processor: FrameProcessor | undefined;
try {
  processor = await createFrameProcessor(workerData as WorkerConfig);
  post({ type: "ready", info: processor.info });
} catch (err) {
  // The host terminates this thread when it reads the fatal message.
  post({ type: "fatal", message: (err as Error)?.message ?? String(err) });
}

// Frames are processed strictly in arrival order, even though preprocessing may await (a
// compressed frame's decode): each frame chains on the previous one.
let chain: Promise<void> = Promise.resolve();
port.on("message", (message: ToWorker) => {
  if (message.type !== "frame" || !processor) return;
  chain = chain.then(async () => post(await processor.process(message.seq, message.frame)));
});
