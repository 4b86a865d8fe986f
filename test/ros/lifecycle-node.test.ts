/**
 * The managed node (src/ros/lifecycle-node.ts) driven as `ros2 lifecycle set` (change_state by
 * label, after get_available_transitions) and nav2's lifecycle_manager (change_state by id, then
 * get_state) drive it: through the lifecycle services of the rclnodejs stand-in, with the real
 * pipeline on a small real model, or a scripted one where timing of frames in flight matters.
 *
 * Only the stand-in serves services to a test here; in a real graph the same transitions are
 * driven with `ros2 lifecycle` (src/ros/README.md).
 */
import { afterEach, describe, expect, it } from "vitest";
import { LEVEL } from "../../src/ros/diagnostics.js";
import { SpikenodeLifecycleNode } from "../../src/ros/lifecycle-node.js";
import { runLifecycleNode } from "../../src/ros/run-node.js";
import { checkPipeline, createPipeline } from "../../src/stream/index.js";
import type { PipelineFactory } from "../../src/ros/pipeline-options.js";
import { BACKENDS, Peer, header, imageCdr, scriptedFactory, sleep, waitFor } from "./helpers.js";
import { LABELS, quadrantImage, writeQuadrantModel } from "./quadrant-model.js";
import { STATE, TRANSITION } from "./standin/lifecycle-standin.js";
import type { RclStandin } from "./standin/rclnodejs-standin.js";

interface Diag {
  status: { level: number; message: string; values: { key: string; value: string }[] }[];
}
const value = (d: Diag, key: string) => d.status[0].values.find((v) => v.key === key)?.value;

interface Classification {
  header: unknown;
  results: { class_id: string }[];
}

const standin = BACKENDS.find((b) => b.standin)!;

/** A lifecycle client of /spikenode, as the CLI and nav2 use the services. */
function client(rcl: RclStandin, node = "/spikenode") {
  const call = (srv: string, req: Record<string, unknown> = {}) =>
    rcl.callService(`${node}/${srv}`, req);
  return {
    /** `ros2 lifecycle get`: the state's label. */
    async get(): Promise<string> {
      const r = (await call("get_state")) as { current_state: { label: string } };
      return r.current_state.label;
    },
    /** `ros2 lifecycle list`: labels of the transitions available now. */
    async list(): Promise<string[]> {
      const r = (await call("get_available_transitions")) as {
        available_transitions: { transition: { label: string } }[];
      };
      return r.available_transitions.map((t) => t.transition.label);
    },
    /** `ros2 lifecycle set <node> <label>`: finds the transition among those available, sends id and label. */
    async set(label: string): Promise<boolean> {
      const r = (await call("get_available_transitions")) as {
        available_transitions: { transition: { id: number; label: string } }[];
      };
      const t = r.available_transitions.find((x) => x.transition.label === label);
      if (!t) throw new Error(`Unknown transition requested: ${label}`);
      return ((await call("change_state", { transition: t.transition })) as { success: boolean })
        .success;
    },
    /** nav2 lifecycle_manager: change_state with the transition id only. */
    async changeById(id: number): Promise<boolean> {
      const r = (await call("change_state", { transition: { id, label: "" } })) as {
        success: boolean;
      };
      return r.success;
    },
    async stateId(): Promise<number> {
      const r = (await call("get_state")) as { current_state: { id: number } };
      return r.current_state.id;
    },
  };
}

describe("spikenode managed (lifecycle) node on the rclnodejs stand-in", () => {
  let rcl: RclStandin;
  let node: SpikenodeLifecycleNode | undefined;
  const modelDir = writeQuadrantModel();

  afterEach(async () => {
    if (node) await node.stop();
    node = undefined;
    if (rcl && !rcl.isShutdown()) rcl.shutdown();
  });

  async function create(argv: string[], createPipe: PipelineFactory = createPipeline) {
    rcl = standin.standin!(await standin.create());
    await rcl.init(undefined, ["node", "spikenode", "--ros-args", ...argv]);
    node = await SpikenodeLifecycleNode.create({
      rcl,
      createPipeline: createPipe,
      checkPipeline,
      initRcl: false,
      diagnosticsPeriodMs: 100,
      thresholds: { windowMs: 300, staleAfterMs: 600_000 },
    });
    const peer = new Peer(rcl);
    const out = {
      cls: peer.listen(
        "/spikenode/classification",
        "vision_msgs/msg/Classification",
      ) as Classification[],
      labels: peer.listen("/spikenode/label_info", "vision_msgs/msg/LabelInfo", {
        transientLocal: true,
      }) as { class_map: { class_name: string }[] }[],
      diags: peer.listen("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray") as Diag[],
      cam: peer.camera("/image_raw"),
    };
    await sleep(20);
    return { node, lc: client(rcl), ...out };
  }

  const warningsOfInactivePublish = () =>
    rcl.logs.filter((l) => /but the publisher is not activated/.test(l.message));

  it("walks configure, activate, deactivate, cleanup, shutdown as ros2 lifecycle set does; classifies only while active", async () => {
    const { node, lc, cls, labels, diags, cam } = await create(["-p", `model:=${modelDir}`]);
    expect(await lc.get()).toBe("unconfigured");
    expect(await lc.list()).toEqual(["configure", "shutdown"]);
    expect(rcl.subscriptionsOn("/image_raw")).toEqual([]);
    // Diagnostics run in every state and say which.
    await waitFor(() => diags.length > 0, "diagnostics while unconfigured");
    expect(value(diags.at(-1)!, "lifecycle_state")).toBe("unconfigured");
    expect(diags.at(-1)!.status[0].level).toBe(LEVEL.OK);

    expect(await lc.set("configure")).toBe(true);
    expect(await lc.get()).toBe("inactive");
    expect(await lc.list()).toEqual(["cleanup", "activate", "shutdown"]);
    expect(rcl.subscriptionsOn("/image_raw")).toEqual([]);
    expect(rcl.publishersOn("/spikenode/classification")).toHaveLength(1);
    cam.publish(quadrantImage(0, 0));
    await sleep(50);
    expect(cls).toEqual([]);
    expect(labels).toEqual([]);

    expect(await lc.set("activate")).toBe(true);
    expect(await lc.get()).toBe("active");
    expect(rcl.subscriptionsOn("/image_raw")).toHaveLength(1);
    await waitFor(() => labels.length === 1, "the class map once the model has loaded", 15_000);
    expect(labels[0].class_map.map((c) => c.class_name)).toEqual(LABELS);
    for (let q = 0; q < 4; q++) {
      cam.publish(quadrantImage(q + 1, q));
      await waitFor(() => cls.length === q + 1, `classification ${q}`, 15_000);
    }
    expect(cls.map((c) => c.results[0].class_id)).toEqual(["0", "1", "2", "3"]);
    expect(cls.map((c) => c.header)).toEqual([1, 2, 3, 4].map((n) => header(n)));
    await waitFor(() => value(diags.at(-1)!, "lifecycle_state") === "active", "active diagnostics");

    expect(await lc.set("deactivate")).toBe(true);
    expect(await lc.get()).toBe("inactive");
    expect(rcl.subscriptionsOn("/image_raw")).toEqual([]);
    await node.drained();
    cam.publish(quadrantImage(9, 1));
    await sleep(50);
    expect(cls).toHaveLength(4);

    expect(await lc.set("cleanup")).toBe(true);
    expect(await lc.get()).toBe("unconfigured");
    expect(rcl.publishersOn("/spikenode/classification")).toEqual([]);
    expect(await lc.set("shutdown")).toBe(true);
    expect(await lc.get()).toBe("finalized");
    expect(await lc.list()).toEqual([]);
    const summary = await node.untilFinalized();
    expect(summary).toMatchObject({ received: 4, processed: 4, unfinished: 0 });
    expect(rcl.transitionEvents.map((e) => `${e.start_state.label}>${e.goal_state.label}`)).toEqual(
      [
        "unconfigured>configuring",
        "configuring>inactive",
        "inactive>activating",
        "activating>active",
        "active>deactivating",
        "deactivating>inactive",
        "inactive>cleaningup",
        "cleaningup>unconfigured",
        "unconfigured>shuttingdown",
        "shuttingdown>finalized",
      ],
    );
    expect(warningsOfInactivePublish()).toEqual([]);
  });

  it("answers nav2's lifecycle_manager: change_state by id, get_state after each; an unavailable transition changes nothing", async () => {
    const { lc } = await create(["-p", `model:=${modelDir}`]);
    // A label not available from the current state: success false, as rclnodejs answers.
    expect(
      (await rcl.callService("/spikenode/change_state", {
        transition: { id: 0, label: "activate" },
      })) as unknown,
    ).toEqual({ success: false });
    // By id, rclnodejs 2.2.0 throws inside its service handler: no answer at all.
    await expect(lc.changeById(TRANSITION.activate)).rejects.toThrow(/no response.*handler threw/);
    expect(await lc.stateId()).toBe(STATE.unconfigured);
    expect(await lc.changeById(TRANSITION.configure)).toBe(true);
    expect(await lc.stateId()).toBe(STATE.inactive);
    expect(await lc.changeById(TRANSITION.activate)).toBe(true);
    expect(await lc.stateId()).toBe(STATE.active);
    // nav2's shutdown: deactivate, cleanup, then shutdown from unconfigured.
    expect(await lc.changeById(TRANSITION.deactivate)).toBe(true);
    expect(await lc.changeById(TRANSITION.cleanup)).toBe(true);
    expect(await lc.changeById(TRANSITION.unconfigured_shutdown)).toBe(true);
    expect(await lc.stateId()).toBe(STATE.finalized);
  });

  it("refuses configure with a bad model path: FAILURE, the reason in the log and on /diagnostics, still unconfigured; configures once fixed", async () => {
    const { lc, diags } = await create(["-p", "model:=/nonexistent/model-dir"]);
    expect(await lc.set("configure")).toBe(false);
    expect(await lc.get()).toBe("unconfigured");
    const logged = rcl.logs.find((l) => l.level === "error" && /configure failed/.test(l.message));
    expect(logged?.message).toMatch(
      /^configure failed: model "\/nonexistent\/model-dir": no model\.json in \/nonexistent\/model-dir; set model to a model directory/,
    );
    await waitFor(() => diags.some((d) => d.status[0].level === LEVEL.ERROR), "an ERROR report");
    const report = diags.find((d) => d.status[0].level === LEVEL.ERROR)!;
    expect(report.status[0].message).toMatch(/^configure failed: model "\/nonexistent/);
    expect(value(report, "lifecycle_state")).toBe("unconfigured");
    expect(rcl.publishersOn("/spikenode/classification")).toEqual([]);

    // While unconfigured the value is recorded, and configure checks it.
    const set = node!.node.setParameters([
      new rcl.Parameter("model", rcl.ParameterType.PARAMETER_STRING, modelDir),
    ]);
    expect(set[0].successful).toBe(true);
    expect(await lc.set("configure")).toBe(true);
    await waitFor(() => diags.at(-1)!.status[0].level === LEVEL.OK, "OK once configured");
    expect(diags.at(-1)!.status[0].message).toMatch(/^inactive: model checked/);
  });

  it("refuses configure with a parameter out of range, and with one the model cannot run", async () => {
    const { lc, diags } = await create(["-p", `model:=${modelDir}`, "-p", "top_k:=0"]);
    expect(await lc.set("configure")).toBe(false);
    expect(await lc.get()).toBe("unconfigured");
    await waitFor(
      () =>
        diags.some((d) => /configure failed: top_k: 0 is out of range/.test(d.status[0].message)),
      "the reason on /diagnostics",
    );
    node!.node.setParameters([
      new rcl.Parameter("top_k", rcl.ParameterType.PARAMETER_INTEGER, 2n),
      // Valid alone; the quadrant model's constant input cannot take a rows sequence.
      new rcl.Parameter("encoder", rcl.ParameterType.PARAMETER_STRING, '{"type":"rows"}'),
    ]);
    expect(await lc.set("configure")).toBe(false);
    expect(
      rcl.logs.some((l) =>
        /^configure failed: model ".*" \(.*\) cannot run with these parameters: pipeline option encoder/.test(
          l.message,
        ),
      ),
    ).toBe(true);
    node!.node.setParameters([
      new rcl.Parameter("encoder", rcl.ParameterType.PARAMETER_STRING, "model"),
    ]);
    expect(await lc.set("configure")).toBe(true);
    // Inactive: a bad value is refused when set, as while active.
    const refused = node!.node.setParameters([
      new rcl.Parameter("top_k", rcl.ParameterType.PARAMETER_INTEGER, 0n),
    ]);
    expect(refused[0]).toMatchObject({ successful: false });
    expect(refused[0].reason).toMatch(/top_k: 0 is out of range/);
  });

  it("deactivates with frames in flight: stops taking frames at once, the accepted ones finish unpublished", async () => {
    const scripted = scriptedFactory({ labels: LABELS, delayMs: 150 });
    const { lc, cls, diags, cam } = await create(["-p", `model:=${modelDir}`], scripted.factory);
    expect(await lc.set("configure")).toBe(true);
    expect(await lc.set("activate")).toBe(true);
    cam.publish(imageCdr(header(1)));
    await waitFor(() => cls.length === 1, "a first result while active");
    cam.publish(imageCdr(header(2)));
    await waitFor(() => scripted.built[0].headers.length === 2, "the second frame accepted");
    expect(await lc.set("deactivate")).toBe(true);
    expect(await lc.get()).toBe("inactive");
    expect(rcl.subscriptionsOn("/image_raw")).toEqual([]);
    await node!.drained();
    // It finished (counted processed) but an inactive node publishes nothing.
    expect(node!.stats()).toMatchObject({ received: 2, processed: 2, dropped: 0 });
    expect(node!.withheldResults()).toBe(1);
    expect(cls).toHaveLength(1);
    expect(scripted.built[0].closeCalls).toEqual([{ drain: true, timeoutMs: 10_000 }]);
    await waitFor(
      () => value(diags.at(-1)!, "results_withheld_inactive") === "1",
      "the withheld result on /diagnostics",
    );
    expect(warningsOfInactivePublish()).toEqual([]);
    // Activating again starts a fresh pipeline; results flow again.
    expect(await lc.set("activate")).toBe(true);
    cam.publish(imageCdr(header(3)));
    await waitFor(() => cls.length === 2, "a result after reactivation");
    expect(scripted.built).toHaveLength(2);
  });

  it("cleans up and configures again with a different model", async () => {
    const other = ["north-west", "north-east", "south-west", "south-east"];
    const otherDir = writeQuadrantModel(other);
    const { lc, labels, cam } = await create(["-p", `model:=${modelDir}`]);
    const spikes = new Peer(rcl, "spikes_peer").listen(
      "/spikenode/spike_classification",
      "spikenode/msg/SpikeClassification",
    ) as { class_name: string }[];
    await sleep(20);
    expect(await lc.set("configure")).toBe(true);
    expect(await lc.set("activate")).toBe(true);
    cam.publish(quadrantImage(1, 3));
    await waitFor(() => spikes.length === 1, "a result from the first model", 15_000);
    expect(spikes[0].class_name).toBe("bottom-right");
    expect(await lc.set("deactivate")).toBe(true);
    expect(await lc.set("cleanup")).toBe(true);
    node!.node.setParameters([
      new rcl.Parameter("model", rcl.ParameterType.PARAMETER_STRING, otherDir),
    ]);
    expect(await lc.set("configure")).toBe(true);
    expect(node!.parameters().model).toBe(otherDir);
    expect(await lc.set("activate")).toBe(true);
    await waitFor(
      () => labels.at(-1)?.class_map[0].class_name === "north-west",
      "the new class map",
      15_000,
    );
    cam.publish(quadrantImage(2, 3));
    await waitFor(() => spikes.length === 2, "a result from the second model", 15_000);
    expect(spikes[1].class_name).toBe("south-east");
  });

  it("shuts down from active with a frame in flight: finalized at once, the frame finished, the process's runner returns", async () => {
    const scripted = scriptedFactory({ labels: LABELS, delayMs: 150 });
    rcl = standin.standin!(await standin.create());
    await rcl.init(undefined, ["node", "spikenode", "--ros-args", "-p", `model:=${modelDir}`]);
    let created: SpikenodeLifecycleNode | undefined;
    const run = runLifecycleNode({
      rcl,
      createPipeline: scripted.factory,
      initRcl: false,
      signals: [],
      onCreated: (n) => (created = n),
    });
    await waitFor(() => created !== undefined, "the node");
    const lc = client(rcl);
    const cam = new Peer(rcl).camera("/image_raw");
    expect(await lc.set("configure")).toBe(true);
    expect(await lc.set("activate")).toBe(true);
    cam.publish(imageCdr(header(1)));
    await waitFor(() => scripted.built[0].headers.length === 1, "the frame accepted");
    expect(await lc.set("shutdown")).toBe(true);
    expect(created!.lifecycleState.label).toBe("finalized");
    const summary = await run;
    expect(summary).toMatchObject({ received: 1, processed: 1, unfinished: 0 });
    expect(created!.withheldResults()).toBe(1);
    // The runner left the graph once the frame was done.
    expect(rcl.nodeNames()).not.toContain("/spikenode");
  });
});
