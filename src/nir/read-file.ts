/**
 * Reading an HDF5 file into a plain tree (hdf5-tree.ts) in a worker thread with a time limit:
 * h5wasm runs HDF5's C code, which on a damaged or hostile file may loop, exhaust memory or
 * abort; in a worker that is one killed thread and one NirError naming the file, not a hung
 * or crashed node. Files that are not HDF5 at all are refused before HDF5 sees them (by the
 * signature HDF5 writes at byte 0, 512, 1024, 2048, …).
 */
import { Worker } from "node:worker_threads";
import { open, stat } from "node:fs/promises";
import type { H5Entry } from "./hdf5-tree.js";
import { NirError } from "./errors.js";

/** Default time limit of one read, ms: the NIR paper's files take well under a second. */
export const READ_TIMEOUT_MS = 20_000;

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface ReadOptions {
  /** Kill the reader after this many ms (default READ_TIMEOUT_MS). */
  timeoutMs?: number;
}

async function hasHdf5Signature(file: string, size: number): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      await fh.read(buf, 0, 8, at);
      if (buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

function spawnReader(file: string): Worker {
  const fromSources = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSources ? "./read-worker.ts" : "./read-worker.js", import.meta.url);
  // stdout/stderr piped to us (and drained): nothing the worker prints reaches the user.
  const opts = {
    workerData: { file },
    resourceLimits: { maxOldGenerationSizeMb: 2048 },
    stderr: true,
    stdout: true,
  };
  if (!fromSources) return new Worker(entry, opts);
  // From sources (vitest, tsx): register tsx inside the worker before importing the entry, as
  // src/stream/worker-host.ts does (Node 20 does not apply --import hooks to a worker's entry).
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const boot =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...opts, eval: true });
}

/** The file's HDF5 tree, or a NirError naming the file, the problem and the fix. */
export async function readHdf5Tree(file: string, options: ReadOptions = {}): Promise<H5Entry> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
    size = s.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new NirError(
      file,
      "",
      code === "ENOENT" ? "no such file" : `cannot be read (${code ?? String(err)})`,
      "pass the path of a .nir file (HDF5, as nir.write saves it)",
    );
  }
  if (!(await hasHdf5Signature(file, size))) {
    throw new NirError(
      file,
      "",
      `is not an HDF5 file (no HDF5 signature in its ${size} bytes)`,
      "pass a NIR file written by nir.write (snnTorch, Norse, Sinabs, Rockpool export), not a model directory or a PyTorch checkpoint",
    );
  }
  const timeoutMs = options.timeoutMs ?? READ_TIMEOUT_MS;
  const worker = spawnReader(file);
  worker.stderr.resume();
  worker.stdout.resume();
  return new Promise<H5Entry>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const damaged = (detail: string) => {
      const hdf5 = hdf5Reason(detail);
      return new NirError(
        file,
        "",
        `is HDF5 but cannot be read (${hdf5 ?? firstLine(detail)})`,
        "write the file again with nir.write; a file cut short in a copy or download reads like this",
      );
    };
    const timer = setTimeout(
      () => finish(() => reject(damaged(`reading took longer than ${timeoutMs} ms`))),
      timeoutMs,
    );
    worker.once("message", (msg: { ok: boolean; tree?: H5Entry; message?: string }) => {
      if (msg.ok) finish(() => resolve(msg.tree!));
      else finish(() => reject(damaged(msg.message ?? "unknown error")));
    });
    worker.once("error", (err) => finish(() => reject(damaged(firstLine(String(err))))));
    worker.once("exit", (code) =>
      finish(() => reject(damaged(`the reader stopped with exit code ${code}`))),
    );
  });
}

/** The innermost entry of an HDF5 error stack ("#006: … in H5F__super_read(): truncated file …"). */
function hdf5Reason(stack: string): string | null {
  let last: string | null = null;
  for (const m of stack.matchAll(/#\d+: .*? in (\w+)\(\): (.*)/g)) last = `HDF5 ${m[1]}: ${m[2]}`;
  return last === null ? null : firstLine(last);
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0];
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
