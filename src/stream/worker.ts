/**
 * The pipeline's worker thread: loads the model, then classifies the frames the main thread
 * posts, one at a time, in order. A bad frame is answered with an error and the worker goes
 * on; only a failure to load the model is fatal.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createFrameProcessor, type FrameProcessor } from "./processor.js";
import type { FromWorker, ToWorker, WorkerConfig, WorkerFault } from "./protocol.js";

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

/** Set by the host's test-only fault message; carried out on the next frame, which is in flight. */
let fault: WorkerFault | undefined;

// Frames are processed strictly in arrival order, even though preprocessing may await (a
// compressed frame's decode): each frame chains on the previous one.
let chain: Promise<void> = Promise.resolve();
port.on("message", (message: ToWorker) => {
  if (message.type === "inject-fault-for-tests") {
    fault = message.fault;
    return;
  }
  if (message.type !== "frame" || !processor) return;
  if (fault) failAs(fault, message.seq);
  chain = chain.then(async () => post(await processor.process(message.seq, message.frame)));
});

/** The injected failures, each the way a real one happens. */
function failAs(kind: WorkerFault, seq: number): never {
  switch (kind) {
    case "throw":
      // Uncaught in the message handler: the thread dies with an "error" event, then exits.
      throw new Error(`injected fault: an error thrown inside the worker on frame ${seq}`);
    case "out_of_memory": {
      // Live JS objects (not typed arrays, whose memory is outside the heap) until the heap
      // limit the host set ends the thread with ERR_WORKER_OUT_OF_MEMORY.
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 20).fill(seq + hog.length));
    }
    case "exit":
      process.exit(70);
  }
}
