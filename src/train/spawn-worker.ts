/**
 * Starts a worker thread on a sibling module of this package, built (.js) or, in development
 * and tests, as TypeScript under tsx (whose loader must be registered inside the worker before
 * the module is imported).
 */
import { Worker } from "node:worker_threads";

const RUNNING_TS = import.meta.url.endsWith(".ts");

/** `name` without extension, e.g. "gradient-worker". */
export function spawnWorker(name: string, workerData: unknown): Worker {
  const url = new URL(`./${name}.${RUNNING_TS ? "ts" : "js"}`, import.meta.url);
  if (!RUNNING_TS) return new Worker(url, { workerData });
  const api = import.meta.resolve("tsx/esm/api");
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(url.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData });
}
