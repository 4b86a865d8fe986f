/**
 * The node surviving faults with the real pipeline: its engine worker crashing (thrown error,
 * out of its heap, the thread exiting, terminated from outside) mid-stream, and a `model`
 * change to a model that cannot be loaded. Faults are injected through the test-only
 * injectWorkerFault on the pipeline the node built; nothing a ROS message carries can arm one.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LEVEL } from "../../src/ros/diagnostics.js";
import type { RclModule } from "../../src/ros/rcl-types.js";
import { SpikenodeNode } from "../../src/ros/spikenode-node.js";
import { injectWorkerFault, type InjectableFault } from "../../src/stream/fault-injection.js";
import { createPipeline } from "../../src/stream/index.js";
import type { Pipeline, PipelineOptions } from "../../src/stream/types.js";
import { BACKENDS, Peer, header, waitFor } from "./helpers.js";
import { quadrantImage, writeQuadrantModel } from "./quadrant-model.js";

interface Diag {
  status: { level: number; message: string; values: { key: string; value: string }[] }[];
}
const value = (d: Diag, key: string) => d.status[0].values.find((v) => v.key === key)?.value;

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(
    `spikenode node surviving faults on ${backend.name}${backend.skip ? ` (${backend.skip})` : ""}`,
    () => {
      let rcl: RclModule;
      let node: SpikenodeNode | undefined;
      const modelDir = writeQuadrantModel();

      afterEach(async () => {
        if (node) await node.stop();
        node = undefined;
        if (rcl && !rcl.isShutdown()) rcl.shutdown();
      });

      async function start() {
        rcl = await backend.create();
        await rcl.init(undefined, ["node", "spikenode", "--ros-args", "-p", `model:=${modelDir}`]);
        const built: Pipeline[] = [];
        // A heap limit, so that the out-of-memory fault ends the worker, not the test process.
        const factory = (o: PipelineOptions) => {
          const p = createPipeline({ ...o, workerMaxHeapMb: 64 });
          built.push(p);
          return p;
        };
        node = await SpikenodeNode.start({
          rcl,
          createPipeline: factory,
          initRcl: false,
          diagnosticsPeriodMs: 100,
          thresholds: { windowMs: 300, staleAfterMs: 600_000 },
        });
        const peer = new Peer(rcl);
        const cls = peer.listen("/spikenode/classification", "vision_msgs/msg/Classification");
        const diags = peer.listen("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray") as Diag[];
        await new Promise((r) => setTimeout(r, 50));
        return { node, built, cls, diags, cam: peer.camera("/image_raw") };
      }

      it("restarts a crashed engine worker for each kind of crash: ERROR with the reason, then OK, never exiting", async () => {
        const { node, built, cls, diags, cam } = await start();
        let n = 0;
        const classifyOne = async () => {
          const before = cls.length;
          cam.publish(quadrantImage(n, n % 4));
          n++;
          await waitFor(
            () => cls.length === before + 1,
            `classification of frame ${n - 1}`,
            20_000,
          );
        };
        await classifyOne();
        const faults: [InjectableFault, RegExp][] = [
          ["throw", /an error was thrown in it: Error: injected fault/],
          ["out_of_memory", /out of memory/],
          ["exit", /its thread exited with code 70/],
          ["terminate", /its thread exited with code 1/],
        ];
        for (const [i, [fault, why]] of faults.entries()) {
          const seen = diags.length;
          injectWorkerFault(built[0], fault);
          cam.publish(quadrantImage(n++, 0));
          await waitFor(
            () => diags.slice(seen).some((d) => d.status[0].level === LEVEL.ERROR),
            `ERROR after ${fault}`,
            20_000,
          );
          const error = diags.slice(seen).find((d) => d.status[0].level === LEVEL.ERROR)!;
          expect(error.status[0].message).toMatch(/the engine worker crashed \(/);
          expect(error.status[0].message).toMatch(why);
          expect(error.status[0].message).toMatch(/1 frame\(s\) in flight dropped; restarting it/);
          await waitFor(
            () => value(diags.at(-1)!, "worker_restarts") === String(i + 1),
            `restart after ${fault}`,
            20_000,
          );
          await classifyOne();
          await waitFor(() => diags.at(-1)!.status[0].level === LEVEL.OK, `OK after ${fault}`);
          expect(node.state).toBe("active");
        }
        expect(built).toHaveLength(1);
        expect(node.stats()).toMatchObject({
          processed: 5,
          dropped: 4,
          errors: 0,
          droppedByReason: { worker_crashed: 4 },
        });
        const last = diags.at(-1)!;
        expect(value(last, "frames_dropped.worker_crashed")).toBe("4");
        expect(value(last, "worker_crashes")).toBe("4");
      });

      it("refuses a model that cannot be loaded and keeps classifying with the old one", async () => {
        const { node, built, cls, cam } = await start();
        const t = rcl.ParameterType;
        // Weights of the right size but the wrong shape for the layer: only the loader finds it.
        const bad = writeQuadrantModel(["a", "b", "c", "d"]);
        const spec = JSON.parse(readFileSync(path.join(bad, "model.json"), "utf8"));
        spec.layers[1].weights.shape = [8, 8];
        writeFileSync(path.join(bad, "model.json"), JSON.stringify(spec));
        const [refused] = node.node.setParameters([
          new rcl.Parameter("model", t.PARAMETER_STRING, bad),
        ]);
        expect(refused.successful).toBe(false);
        expect(refused.reason).toMatch(/cannot be loaded: .*shape/);
        expect(node.node.getParameter("model").value).toBe(modelDir);

        // Passes the check, then its weights vanish before the new worker reads them: the
        // swap fails in the worker, the parameter is put back and the old pipeline runs on.
        const vanishing = writeQuadrantModel(["a", "b", "c", "d"]);
        const [accepted] = node.node.setParameters([
          new rcl.Parameter("model", t.PARAMETER_STRING, vanishing),
        ]);
        expect(accepted.successful).toBe(true);
        rmSync(path.join(vanishing, "weights.bin"));
        await waitFor(
          () => node.node.getParameter("model").value === modelDir,
          "the model parameter put back",
          20_000,
        );
        expect(node.parameters().model).toBe(modelDir);
        expect(node.pipelineInfo()?.labels[0]).toBe("top-left");
        cam.publish(quadrantImage(1, 2));
        await waitFor(() => cls.length === 1, "a classification by the old model", 20_000);
        expect((cls[0] as { header: unknown }).header).toEqual(header(1));
        expect(built).toHaveLength(2);
      });
    },
  );
}
