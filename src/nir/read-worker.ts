/**
 * The worker thread that opens a NIR (HDF5) file with h5wasm and sends back its tree
 * (hdf5-tree.ts). Alone in its thread so that a file that makes HDF5 hang or abort costs
 * only this worker, which read-file.ts kills on its time limit; the caller's process goes on.
 */
import { parentPort, workerData } from "node:worker_threads";
import { readTree, TreeProblem } from "./hdf5-tree.js";

const { file } = workerData as { file: string };

async function main(): Promise<void> {
  const h5 = await import("h5wasm/node");
  const module = await h5.ready;
  // HDF5 prints its error stack to fd 2 by default (straight past process.stderr under
  // NODERAWFS); this handler turns it into a thrown Error whose message is that stack.
  module.activate_throwing_error_handler();
  let f: InstanceType<typeof h5.File> | undefined;
  try {
    f = new h5.File(file, "r");
    const tree = readTree(f as never);
    parentPort!.postMessage({ ok: true, tree });
  } catch (err) {
    const known = err instanceof TreeProblem;
    parentPort!.postMessage({ ok: false, known, message: (err as Error)?.message ?? String(err) });
  } finally {
    try {
      f?.close();
    } catch {
      // a file HDF5 could not open has nothing to close
    }
  }
}

main().catch((err: unknown) => {
  parentPort!.postMessage({ ok: false, known: false, message: String(err) });
});
