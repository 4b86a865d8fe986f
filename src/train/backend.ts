/**
 * Picks the TensorFlow.js backend: the native binding when it loads, else WASM (single
 * threaded; we parallelise over worker threads ourselves), else the pure-JS CPU backend.
 */
import * as tf from "@tensorflow/tfjs";
import { registerConv2dFilterGradient } from "./conv-grad.js";

export type BackendChoice = "auto" | "tensorflow" | "wasm" | "cpu";

async function tryNode(): Promise<boolean> {
  // Optional dependency, not installable everywhere: import it by a computed name so the type
  // checker and bundlers do not insist on it.
  const name = "@tensorflow/tfjs-node";
  try {
    await import(name);
    return await tf.setBackend("tensorflow");
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    await import("@tensorflow/tfjs-backend-wasm");
    // One thread per process: data parallelism comes from our worker threads.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    const ok = await tf.setBackend("wasm");
    if (ok) registerConv2dFilterGradient();
    return ok;
  } catch {
    return false;
  }
}

let initialised: string | null = null;

/** The backend initBackend chose, initialising the best available one if none was chosen yet. */
export async function ensureBackend(): Promise<string> {
  return initialised ?? initBackend("auto");
}

/** Initialises a backend and returns its name. */
export async function initBackend(choice: BackendChoice = "auto"): Promise<string> {
  const order: BackendChoice[] = choice === "auto" ? ["tensorflow", "wasm", "cpu"] : [choice];
  for (const name of order) {
    const ok =
      name === "tensorflow"
        ? await tryNode()
        : name === "wasm"
          ? await tryWasm()
          : await tf.setBackend("cpu");
    if (ok) {
      await tf.ready();
      initialised = tf.getBackend();
      return initialised;
    }
  }
  throw Object.assign(
    new Error(
      `TensorFlow.js backend "${choice}" could not be initialised; try --backend auto or cpu`,
    ),
    { userFacing: true },
  );
}
