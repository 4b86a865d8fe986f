/**
 * The worker thread failing under the pipeline: an error thrown inside it, running out of its
 * heap, exiting by itself, terminated from outside. Each is injected on a frame (so that frame
 * is in flight), which must be counted as dropped with the reason while the next worker, with
 * the same model, classifies again. Repeated crashes back off; frames that come while it
 * restarts are dropped at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { injectWorkerFault, type InjectableFault } from "../../src/stream/fault-injection.js";
import { createPipeline } from "../../src/stream/pipeline.js";
import { SyntheticCamera } from "../../src/stream/synthetic-camera.js";
import type { ClassificationResult, PipelineOptions, WorkerEvent } from "../../src/stream/types.js";
import { writeTinyModel, type TinyModel } from "./tiny-model.js";

let tiny: TinyModel;
beforeAll(async () => {
  tiny = await writeTinyModel();
});
afterAll(async () => {
  await tiny.cleanup();
});

const cam = new SyntheticCamera({ width: 40, height: 30, encoding: "rgb8", fps: 30, templates: 5 });

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function open(options: Partial<PipelineOptions> = {}) {
  const p = createPipeline({ model: tiny.dir, queueCapacity: 4, ...options });
  const results: ClassificationResult[] = [];
  const events: WorkerEvent[] = [];
  p.results$.subscribe((r) => results.push(r));
  p.workerEvents$!.subscribe((e) => events.push(e));
  let n = 0;
  const push = () => p.push({ kind: "image", message: cam.frame(n++) });
  return { p, results, events, push };
}

const restarted = (events: WorkerEvent[], n: number) =>
  events.filter((e) => e.type === "restarted").length === n;

const FAULTS: [InjectableFault, RegExp][] = [
  [
    "throw",
    /an error was thrown in it: Error: injected fault: an error thrown inside the worker on frame 1/,
  ],
  ["out_of_memory", /out of memory/],
  ["exit", /its thread exited with code 70/],
  ["terminate", /its thread exited with code 1/],
];

describe("the pipeline's worker crashing", () => {
  for (const [fault, why] of FAULTS) {
    it(`${fault}: drops the frame in flight with the reason, restarts with the same model, classifies again`, async () => {
      const { p, results, events, push } = open({ workerMaxHeapMb: 64 });
      const info = await p.ready();
      push();
      await until(() => results.length === 1, "the first result");
      injectWorkerFault(p, fault);
      push();
      await until(() => restarted(events, 1), "the restart");
      expect(events[0]).toMatchObject({
        type: "crashed",
        framesDropped: 1,
        consecutive: 1,
        restartInMs: 0,
      });
      expect((events[0] as { reason: string }).reason).toMatch(why);
      expect(events[1]).toMatchObject({ type: "restarted", restarts: 1, info });
      push();
      await until(() => results.length === 2, "a result from the new worker");
      expect(results.map((r) => r.seq)).toEqual([0, 2]);
      await p.close();
      expect(p.stats()).toMatchObject({
        received: 3,
        processed: 2,
        dropped: 1,
        errors: 0,
        droppedByReason: { worker_crashed: 1 },
      });
    });
  }

  it("restarts a crashed worker to the same results a fresh one gives", async () => {
    const { p, results, events, push } = open();
    push();
    await until(() => results.length === 1, "a result");
    injectWorkerFault(p, "throw");
    push();
    await until(() => restarted(events, 1), "the restart");
    p.push({ kind: "image", message: cam.frame(0) });
    await until(() => results.length === 2, "the same frame again");
    expect(results[1].scores).toEqual(results[0].scores);
    await p.close();
  });

  it("backs off when crashes repeat with no frame finished between, and resets once one finishes", async () => {
    const { p, results, events, push } = open({ restartBackoff: { initialMs: 10, maxMs: 40 } });
    await p.ready();
    for (let i = 1; i <= 4; i++) {
      injectWorkerFault(p, "throw");
      push();
      await until(() => restarted(events, i), `restart ${i}`);
    }
    const delays = (type: string) =>
      events.flatMap((e) => (e.type === "crashed" && type === e.type ? [e.restartInMs] : []));
    expect(delays("crashed")).toEqual([0, 10, 20, 40]);
    expect(events.filter((e) => e.type === "crashed").map((e) => e.consecutive)).toEqual([
      1, 2, 3, 4,
    ]);
    push();
    await until(() => results.length === 1, "a frame finished");
    injectWorkerFault(p, "throw");
    push();
    await until(() => restarted(events, 5), "restart 5");
    expect(events.at(-2)).toMatchObject({ type: "crashed", consecutive: 1, restartInMs: 0 });
    await p.close();
    expect(p.stats()).toMatchObject({ processed: 1, dropped: 5 });
  });

  it("drops frames that arrive while it restarts, and close() stops a pending restart", async () => {
    const { p, events, push } = open({ restartBackoff: { initialMs: 600_000, maxMs: 600_000 } });
    await p.ready();
    injectWorkerFault(p, "exit");
    push();
    await until(() => restarted(events, 1), "the immediate first restart");
    injectWorkerFault(p, "exit");
    push();
    await until(() => events.length === 3, "the second crash");
    expect(events[2]).toMatchObject({ type: "crashed", consecutive: 2, restartInMs: 600_000 });
    push();
    push();
    await until(
      () => (p.stats().droppedByReason?.worker_restarting ?? 0) === 2,
      "frames dropped while restarting",
    );
    await p.close();
    expect(p.stats()).toMatchObject({
      received: 4,
      processed: 0,
      dropped: 4,
      droppedByReason: { worker_crashed: 2, worker_restarting: 2 },
    });
    expect(events).toHaveLength(3);
  });

  it("refuses to inject out_of_memory without a heap limit", async () => {
    const p = createPipeline({ model: tiny.dir });
    expect(() => injectWorkerFault(p, "out_of_memory")).toThrow(/needs .*workerMaxHeapMb/);
    await p.close();
  });

  it("refuses a heap limit that is not a whole number of MiB from 16", () => {
    expect(() => createPipeline({ model: tiny.dir, workerMaxHeapMb: 4 })).toThrow(
      /workerMaxHeapMb must be a whole number of MiB, at least 16 \(got 4\)/,
    );
  });
});
