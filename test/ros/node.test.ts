/**
 * The node against an rclnodejs graph: the stand-in always, real rclnodejs when ROS 2 is
 * sourced (same tests). The pipeline here is a scripted double (see helpers.ts); the node with
 * the real pipeline is exercised in node-pipeline.test.ts.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LEVEL } from "../../src/ros/diagnostics.js";
import { PARAM_SPECS } from "../../src/ros/parameters.js";
import type { RclModule, RclNode } from "../../src/ros/rcl-types.js";
import { runRosNode } from "../../src/ros/run-node.js";
import {
  NodeStartError,
  SpikenodeNode,
  type SpikenodeOptions,
} from "../../src/ros/spikenode-node.js";
import type { PipelineOptions } from "../../src/stream/types.js";
import {
  BACKENDS,
  Peer,
  header,
  imageCdr,
  scriptedFactory,
  sleep,
  waitFor,
  writeModelDir,
  type ScriptedPipelineBehaviour,
} from "./helpers.js";

const LABELS = ["zero", "one", "two", "three"];
const PARAMS_FILE = path.join(import.meta.dirname, "../../launch/params.yaml");

interface Diag {
  status: {
    level: number;
    name: string;
    message: string;
    hardware_id: string;
    values: { key: string; value: string }[];
  }[];
}
interface Classification {
  header: unknown;
  results: { class_id: string; score: number }[];
}

function value(d: Diag, key: string): string | undefined {
  return d.status[0].values.find((v) => v.key === key)?.value;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(
    `spikenode node on ${backend.name}${backend.skip ? ` (${backend.skip})` : ""}`,
    () => {
      let rcl: RclModule;
      let started: SpikenodeNode | undefined;
      const modelDir = writeModelDir(LABELS);
      const otherModelDir = writeModelDir(["a", "b"]);

      afterEach(async () => {
        if (started) await started.stop();
        started = undefined;
        if (rcl && !rcl.isShutdown()) rcl.shutdown();
      });

      async function start(
        opts: {
          argv?: string[];
          behaviour?:
            | Partial<ScriptedPipelineBehaviour>
            | ((o: PipelineOptions) => ScriptedPipelineBehaviour);
          node?: Partial<SpikenodeOptions>;
        } = {},
      ) {
        rcl = await backend.create();
        await rcl.init(undefined, [
          "node",
          "spikenode",
          "--ros-args",
          "-p",
          `model:=${modelDir}`,
          ...(opts.argv ?? []),
        ]);
        const b = opts.behaviour;
        const scripted = scriptedFactory(typeof b === "function" ? b : { labels: LABELS, ...b });
        try {
          started = await SpikenodeNode.start({
            rcl,
            createPipeline: scripted.factory,
            initRcl: false,
            diagnosticsPeriodMs: 50,
            ...opts.node,
          });
        } catch (err) {
          // With initRcl false the context is ours to shut down: rclnodejs is one module per
          // process, and its next init() refuses a context still initialized.
          rcl.shutdown();
          throw err;
        }
        const peer = new Peer(rcl);
        return { node: started, built: scripted.built, peer };
      }

      function descriptorOf(node: RclNode, name: string) {
        return (
          node as unknown as {
            getParameterDescriptor(n: string): {
              type: number;
              description: string;
              additionalConstraints: string;
              readOnly: boolean;
            };
          }
        ).getParameterDescriptor(name);
      }

      it("declares every parameter with its type, default, description and constraints", async () => {
        const { node } = await start();
        const t = rcl.ParameterType;
        const types = {
          bool: t.PARAMETER_BOOL,
          integer: t.PARAMETER_INTEGER,
          double: t.PARAMETER_DOUBLE,
          string: t.PARAMETER_STRING,
        };
        for (const spec of PARAM_SPECS) {
          const p = node.node.getParameter(spec.name);
          expect(p.type, spec.name).toBe(types[spec.kind]);
          const expected =
            spec.name === "model"
              ? modelDir
              : spec.kind === "integer"
                ? BigInt(spec.default as number)
                : spec.default;
          expect(p.value, spec.name).toEqual(expected);
          const d = descriptorOf(node.node, spec.name);
          expect(d.type).toBe(types[spec.kind]);
          expect(d.description).toBe(spec.description);
          expect(d.additionalConstraints).toBe(spec.constraints);
          expect(d.readOnly).toBe(false);
        }
      });

      it("subscribes raw with the sensor-data QoS: a best-effort camera reaches it", async () => {
        const { node, built, peer } = await start();
        expect(node.imageTopicName()).toBe("/image_raw");
        const standin = backend.standin?.(rcl);
        if (standin) {
          const [sub] = standin
            .subscriptionsOn("/image_raw")
            .filter((s) => s.node === "/spikenode");
          expect(sub.isRaw).toBe(true);
          expect(sub.type).toBe("sensor_msgs/msg/Image");
          expect(sub.qos).toMatchObject({ history: 1, depth: 5, reliability: 2, durability: 2 });
        }
        peer.camera("/image_raw").publish(imageCdr(header(1)));
        await waitFor(() => built[0].headers.length === 1, "the frame in the pipeline");
        expect(built[0].headers[0]).toEqual(header(1));
      });

      it("publishes classification, spike classification and power with the source header, and label_info once", async () => {
        const scores = [0.1, 0.2, 0.6, 0.1];
        const { peer } = await start({
          behaviour: { scores: () => scores },
          argv: ["-p", "top_k:=3"],
        });
        const cls = peer.listen(
          "/spikenode/classification",
          "vision_msgs/msg/Classification",
        ) as Classification[];
        const spikes = peer.listen(
          "/spikenode/spike_classification",
          "spikenode/msg/SpikeClassification",
        ) as {
          header: unknown;
          class_id: number;
          class_name: string;
          scores: Float64Array;
        }[];
        const power = peer.listen("/spikenode/power", "spikenode/msg/PowerEstimate") as {
          header: unknown;
          profile: string;
          synaptic_ops: bigint;
          layer_firing_rates_hz: Float32Array;
        }[];
        await sleep(50);
        const cam = peer.camera("/image_raw");
        cam.publish(imageCdr(header(7, "left_optical")));
        await waitFor(
          () => cls.length === 1 && spikes.length === 1 && power.length === 1,
          "the three outputs",
        );
        expect(cls[0].header).toEqual(header(7, "left_optical"));
        expect(cls[0].results.map((r) => r.class_id)).toEqual(["2", "1", "0"]);
        expect(cls[0].results[0].score).toBeCloseTo(0.6);
        expect(spikes[0].header).toEqual(header(7, "left_optical"));
        expect(spikes[0].class_id).toBe(2);
        expect(spikes[0].class_name).toBe("two");
        expect(Array.from(spikes[0].scores)).toEqual(scores);
        expect(power[0].header).toEqual(header(7, "left_optical"));
        expect(power[0].profile).toBe("cmos45-horowitz");
        expect(power[0].synaptic_ops).toBe(12n);
        expect(Array.from(power[0].layer_firing_rates_hz)).toEqual([150]);

        const late = new Peer(rcl, "late_peer").listen(
          "/spikenode/label_info",
          "vision_msgs/msg/LabelInfo",
          {
            transientLocal: true,
          },
        ) as { class_map: { class_id: number; class_name: string }[] }[];
        await waitFor(() => late.length === 1, "the latched label_info");
        expect(late[0].class_map).toEqual(
          LABELS.map((class_name, class_id) => ({ class_id, class_name })),
        );
        const standin = backend.standin?.(rcl);
        if (standin) {
          const ours = standin.publishCalls.filter((c) => c.node === "/spikenode");
          expect(ours.length).toBeGreaterThan(3);
          expect(ours.every((c) => c.kind === "buffer")).toBe(true); // never rclnodejs's object conversion
          expect(ours.filter((c) => c.topic === "/spikenode/label_info")).toHaveLength(1);
        }
      });

      it("refuses bad parameter values with a reason and keeps the old value", async () => {
        const { node } = await start();
        const t = rcl.ParameterType;
        const set = (name: string, type: number, v: unknown) =>
          node.node.setParameters([new rcl.Parameter(name, type, v)])[0];
        const cases: [string, number, unknown, RegExp][] = [
          ["timesteps", t.PARAMETER_INTEGER, -5, /timesteps: -5 is out of range/],
          ["top_k", t.PARAMETER_INTEGER, 0, /top_k: 0 is out of range \(1 to 1000\)/],
          [
            "presentation",
            t.PARAMETER_STRING,
            "sometimes",
            /presentation: "sometimes" is not one of model, reset, continuous/,
          ],
          [
            "image_topic",
            t.PARAMETER_STRING,
            "camera//raw",
            /image_topic: "camera\/\/raw" is not a valid topic name/,
          ],
          [
            "model",
            t.PARAMETER_STRING,
            "/nonexistent/model",
            /model "\/nonexistent\/model": no model\.json/,
          ],
          ["encoder", t.PARAMETER_STRING, '{"type":"poisson"}', /encoder: is not an encoder/],
          ["max_image_pixels", t.PARAMETER_INTEGER, 0, /max_image_pixels: 0 is out of range/],
          ["dt", t.PARAMETER_DOUBLE, 1e-7, /dt: 1e-7 s is too small a step/],
        ];
        for (const [name, type, v, reason] of cases) {
          const before = node.node.getParameter(name).value;
          const result = set(name, type, v);
          expect(result.successful, name).toBe(false);
          expect(result.reason, name).toMatch(reason);
          expect(node.node.getParameter(name).value, name).toEqual(before);
        }
        // A string for an integer: rclnodejs refuses it before our callback; we log the real reason.
        expect(set("timesteps", t.PARAMETER_STRING, "many").successful).toBe(false);
        expect(node.parameters().timesteps).toBe(0);
        const standin = backend.standin?.(rcl);
        if (standin) {
          expect(
            standin.logs.some(
              (l) =>
                l.level === "warn" &&
                /timesteps must be an integer, got string many/.test(l.message),
            ),
          ).toBe(true);
        }
        // An integer for a double is what `ros2 param set ... dt 0` sends: accepted as 0.0.
        expect(set("dt", t.PARAMETER_INTEGER, 0).successful).toBe(true);
        expect(node.node.getParameter("dt").value).toBe(0);
      });

      it("applies run-time changes: output at once, subscription and pipeline by replacing them", async () => {
        const { node, built, peer } = await start({
          behaviour: { scores: () => [0.4, 0.3, 0.2, 0.1] },
        });
        const cls = peer.listen(
          "/spikenode/classification",
          "vision_msgs/msg/Classification",
        ) as Classification[];
        const t = rcl.ParameterType;
        expect(
          node.node.setParameters([new rcl.Parameter("top_k", t.PARAMETER_INTEGER, 2)])[0]
            .successful,
        ).toBe(true);
        expect(
          node.node.setParameters([
            new rcl.Parameter("image_topic", t.PARAMETER_STRING, "/cam/front"),
          ])[0].successful,
        ).toBe(true);
        expect(node.imageTopicName()).toBe("/cam/front");
        await sleep(50);
        peer.camera("/image_raw").publish(imageCdr(header(1)));
        peer.camera("/cam/front").publish(imageCdr(header(2)));
        await waitFor(() => cls.length === 1, "a classification from the new topic");
        await sleep(50);
        expect(cls).toHaveLength(1);
        expect(cls[0].header).toEqual(header(2));
        expect(cls[0].results).toHaveLength(2);

        expect(
          node.node.setParameters([new rcl.Parameter("timesteps", t.PARAMETER_INTEGER, 7)])[0]
            .successful,
        ).toBe(true);
        await waitFor(
          () => built.length === 2 && node.pipelineInfo()?.timesteps === 7,
          "the rebuilt pipeline",
        );
        expect(built[1].options.timesteps).toBe(7);
        await waitFor(() => built[0].closeCalls.length === 1, "the old pipeline closed");
        expect(built[0].closeCalls[0].drain).toBe(true);

        expect(
          node.node.setParameters([
            new rcl.Parameter("model", t.PARAMETER_STRING, otherModelDir),
          ])[0].successful,
        ).toBe(true);
        await waitFor(() => built.length === 3, "the pipeline for the other model");
        expect(built[2].options.model).toBe(otherModelDir);
      });

      it("restores the running settings when a checked change cannot be applied", async () => {
        const { node, built, peer } = await start({
          behaviour: (o) => ({
            labels: LABELS,
            readyError:
              o.powerProfile === "imaginary-chip" ? "unknown profile imaginary-chip" : undefined,
          }),
        });
        const diags = peer.listen("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray") as Diag[];
        const t = rcl.ParameterType;
        expect(
          node.node.setParameters([
            new rcl.Parameter("power_profile", t.PARAMETER_STRING, "imaginary-chip"),
          ])[0].successful,
        ).toBe(true);
        await waitFor(
          () => node.parameters().power_profile === "cmos45-horowitz",
          "the restored profile",
        );
        expect(node.node.getParameter("power_profile").value).toBe("cmos45-horowitz");
        expect(built).toHaveLength(2);
        expect(node.pipelineInfo()?.powerProfile).toBe("cmos45-horowitz");
        await waitFor(
          () =>
            diags.some((d) =>
              /not applied \(unknown profile imaginary-chip\)/.test(d.status[0].message),
            ),
          "the warning",
        );
        expect(diags.at(-1)!.status[0].level).toBeGreaterThanOrEqual(LEVEL.WARN);
      });

      it("survives bad frames, a failing push and a dying pipeline", async () => {
        const { node, built, peer } = await start({
          behaviour: { throwOnPush: (seq) => seq === 1 },
        });
        const cls = peer.listen(
          "/spikenode/classification",
          "vision_msgs/msg/Classification",
        ) as Classification[];
        await sleep(50);
        const cam = peer.camera("/image_raw");
        cam.publish(Buffer.from([0, 1, 0, 0, 9, 9])); // not an Image
        cam.publish(imageCdr(header(2))); // push throws
        cam.publish(imageCdr(header(3)));
        await waitFor(() => cls.length === 1, "the good frame's classification");
        await waitFor(() => node.stats().received === 3, "three frames counted");
        expect(node.stats()).toMatchObject({
          received: 3,
          processed: 1,
          errors: 2,
          errorsByReason: { decode: 1, push_failed: 1 },
        });

        built[0].die("worker exited with code 1");
        await waitFor(
          () => built.length === 2 && node.pipelineInfo() !== undefined,
          "a new pipeline",
        );
        cam.publish(imageCdr(header(4)));
        await waitFor(() => cls.length === 2, "classification after the restart");
        expect(cls[1].header).toEqual(header(4));
      });

      it("reports OK, WARN for drops and silence, ERROR when errors dominate", async () => {
        const { node, peer } = await start({
          behaviour: { dropEvery: 0 },
          node: { thresholds: { windowMs: 400, staleAfterMs: 300 } },
        });
        const diags = peer.listen("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray") as Diag[];
        const cam = peer.camera("/image_raw");
        const feed = async (n: number, make: (i: number) => Buffer) => {
          for (let i = 0; i < n; i++) {
            cam.publish(make(i));
            await sleep(10);
          }
        };
        await feed(20, (i) => imageCdr(header(i)));
        await waitFor(
          () =>
            diags.some(
              (d) => d.status[0].level === LEVEL.OK && value(d, "frames_processed") === "20",
            ),
          "OK",
        );
        const ok = diags.find((d) => d.status[0].level === LEVEL.OK)!;
        expect(ok.status[0].name).toBe("spikenode: classifier");
        expect(ok.status[0].hardware_id).toBe("/image_raw");
        expect(value(ok, "model")).toMatch(/^ros-test/);
        expect(value(ok, "energy_per_frame_J")).toBe("1.2000e-9");

        await waitFor(
          () =>
            diags.at(-1)!.status[0].level === LEVEL.WARN &&
            /no frames on \/image_raw/.test(diags.at(-1)!.status[0].message),
          "WARN for silence",
          3000,
        );

        await feed(12, () => Buffer.from([0, 1, 0, 0]));
        await waitFor(
          () => diags.at(-1)!.status[0].level === LEVEL.ERROR,
          "ERROR for errors dominating",
        );
        expect(diags.at(-1)!.status[0].message).toMatch(
          /\d+ of \d+ frames in the last [\d.]+ s were errors \(decode: \d+\)/,
        );
        await waitFor(() => node.stats().errors === 12, "every bad frame counted");
      });

      it("warns when more than 10% of frames are dropped", async () => {
        const { peer } = await start({
          behaviour: { dropEvery: 3 },
          node: { thresholds: { windowMs: 2000 } },
        });
        const diags = peer.listen("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray") as Diag[];
        const cam = peer.camera("/image_raw");
        for (let i = 0; i < 15; i++) {
          cam.publish(imageCdr(header(i)));
          await sleep(5);
        }
        await waitFor(
          () => diags.some((d) => /dropping 33% of frames \(5 of 15/.test(d.status[0].message)),
          "the drop warning",
        );
      });

      it("shuts down cleanly: frames in flight are published before the node leaves the graph", async () => {
        const { node, peer } = await start({ behaviour: { delayMs: 150 } });
        const cls = peer.listen(
          "/spikenode/classification",
          "vision_msgs/msg/Classification",
        ) as Classification[];
        await sleep(50);
        peer.camera("/image_raw").publish(imageCdr(header(9)));
        await waitFor(() => node.stats().received === 1, "the frame accepted");
        const summary = await node.stop();
        started = undefined;
        expect(summary).toMatchObject({
          received: 1,
          processed: 1,
          dropped: 0,
          errors: 0,
          unfinished: 0,
        });
        await waitFor(() => cls.length === 1, "the in-flight result");
        expect(cls[0].header).toEqual(header(9));
        const standin = backend.standin?.(rcl);
        if (standin) expect(standin.nodeNames()).not.toContain("/spikenode");
        expect(await node.stop()).toBe(summary);
      });

      it("honours --ros-args: remapped name and namespace, params file, -p override", async () => {
        const { node } = await start({
          argv: [
            "-r",
            "__ns:=/cam1",
            "-r",
            "__node:=front",
            "--params-file",
            PARAMS_FILE,
            "-p",
            `model:=${modelDir}`,
            "-p",
            "top_k:=3",
            "-p",
            "compressed:=true",
          ],
        });
        expect(node.node.getFullyQualifiedName()).toBe("/cam1/front");
        expect(node.parameters()).toMatchObject({
          top_k: 3,
          compressed: true,
          presentation: "model",
        });
        expect(node.imageTopicName()).toBe("/cam1/image_raw/compressed");
        const standin = backend.standin?.(rcl);
        if (standin) {
          expect(standin.publishersOn("/cam1/front/classification")).toHaveLength(1);
          expect(standin.subscriptionsOn("/cam1/image_raw/compressed")[0].type).toBe(
            "sensor_msgs/msg/CompressedImage",
          );
        }
      });

      it("runs one instance per camera namespace side by side, as the multi-camera launch does", async () => {
        const first = await start({ node: { namespace: "front" } });
        const scripted = scriptedFactory({ labels: ["only"] });
        const rear = await SpikenodeNode.start({
          rcl,
          createPipeline: scripted.factory,
          initRcl: false,
          namespace: "rear",
          diagnosticsPeriodMs: 50,
        });
        try {
          expect([first.node.imageTopicName(), rear.imageTopicName()]).toEqual([
            "/front/image_raw",
            "/rear/image_raw",
          ]);
          const diags = first.peer.listen(
            "/diagnostics",
            "diagnostic_msgs/msg/DiagnosticArray",
          ) as Diag[];
          const frontOut = first.peer.listen(
            "/front/spikenode/classification",
            "vision_msgs/msg/Classification",
          ) as Classification[];
          await sleep(50);
          first.peer.camera("/rear/image_raw").publish(imageCdr(header(5, "rear_optical")));
          await waitFor(
            () => scripted.built[0].headers.length === 1,
            "the rear frame at the rear node",
          );
          expect(first.built[0].headers).toHaveLength(0);
          expect(frontOut).toHaveLength(0);
          await waitFor(
            () => new Set(diags.map((d) => d.status[0].name)).size === 2,
            "both statuses",
          );
          expect([...new Set(diags.map((d) => d.status[0].name))].sort()).toEqual([
            "front/spikenode: classifier",
            "rear/spikenode: classifier",
          ]);
        } finally {
          await rear.stop();
        }
      });

      it("takes QoS overrides for the image subscription from parameters", async () => {
        const { node, peer, built } = await start({
          argv: ["-p", "qos_overrides./image_raw.subscription.reliability:=reliable"],
        });
        expect(
          node.node.getParameter("qos_overrides./image_raw.subscription.reliability").value,
        ).toBe("reliable");
        // A reliable subscription no longer hears a best-effort camera, but hears a reliable one.
        peer.camera("/image_raw").publish(imageCdr(header(1)));
        peer.camera("/image_raw", "sensor_msgs/msg/Image", true).publish(imageCdr(header(2)));
        await waitFor(() => built[0].headers.length >= 1, "the reliable frame");
        await sleep(50);
        expect(built[0].headers).toEqual([header(2)]);
      });

      it("refuses to start on an invalid override, naming the parameter", async () => {
        await expect(start({ argv: ["-p", "presentation:=sideways"] })).rejects.toThrow(
          /parameter presentation was given a value it cannot take \(presentation: "sideways" is not one of model, reset, continuous\)/,
        );
        await expect(start({ argv: ["-p", "timesteps:=lots"] })).rejects.toThrow(
          /parameter timesteps .*timesteps must be an integer, got string lots/,
        );
        await expect(start({ behaviour: { readyError: "weights.bin truncated" } })).rejects.toThrow(
          /could not be loaded: weights.bin truncated/,
        );
        const err = await start({ argv: ["-p", "top_k:=0"] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NodeStartError);
        expect((err as NodeStartError).userFacing).toBe(true);
      });

      it("stops on SIGTERM through runRosNode", async () => {
        rcl = await backend.create();
        const scripted = scriptedFactory({ labels: LABELS, delayMs: 100 });
        let node: SpikenodeNode | undefined;
        const running = runRosNode({
          rcl,
          createPipeline: scripted.factory,
          argv: ["node", "spikenode", "--ros-args", "-p", `model:=${modelDir}`],
          onStarted: (n) => (node = n),
        });
        await waitFor(() => node !== undefined, "the node");
        const peer = new Peer(rcl);
        peer.camera("/image_raw").publish(imageCdr(header(1)));
        await waitFor(() => node!.stats().received === 1, "a frame");
        process.emit("SIGTERM");
        const summary = await running;
        expect(summary).toMatchObject({ received: 1, processed: 1, unfinished: 0 });
        expect(rcl.isShutdown()).toBe(true);
        expect(process.listenerCount("SIGTERM")).toBe(0);
      });
    },
  );
}
