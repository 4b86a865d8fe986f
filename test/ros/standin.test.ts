/**
 * What the node relies on from rclnodejs, held against the stand-in always and against real
 * rclnodejs when ROS 2 is sourced: if real rclnodejs stops behaving so (for instance fixes the
 * typed-array bug), these fail there and the stand-in must follow.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { codecFor } from "../../src/messages/index.js";
import type { RclModule } from "../../src/ros/rcl-types.js";
import { BACKENDS, Peer, header, imageCdr, waitFor } from "./helpers.js";
import { createRclStandin } from "./standin/rclnodejs-standin.js";

const IMAGE = "sensor_msgs/msg/Image";

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(
    `${backend.name}${backend.skip ? ` (${backend.skip})` : ""}`,
    () => {
      let rcl: RclModule | undefined;
      afterEach(() => {
        if (rcl && !rcl.isShutdown()) rcl.shutdown();
        rcl = undefined;
      });

      async function graph(argv: string[] = []): Promise<RclModule> {
        rcl = await backend.create();
        await rcl.init(undefined, ["node", "test", ...argv]);
        return rcl;
      }

      it("delivers raw subscriptions as Buffers with byteOffset 0 that our codec decodes", async () => {
        const r = await graph();
        const peer = new Peer(r, "raw_peer");
        const got: Buffer[] = [];
        peer.node.createSubscription(
          IMAGE,
          "/standin_raw",
          { qos: r.QoS.profileSensorData, isRaw: true },
          (b: Buffer) => got.push(b),
        );
        const pub = peer.camera("/standin_raw");
        pub.publish(imageCdr(header(1), 4, 4, 77));
        await waitFor(() => got.length === 1, "the raw message");
        expect(Buffer.isBuffer(got[0])).toBe(true);
        expect(got[0].byteOffset).toBe(0);
        const img = codecFor(IMAGE).decode(got[0]);
        expect(img.header).toEqual(header(1));
        expect(Array.from(img.data)).toEqual(new Array(16).fill(77));
      });

      it("publish(Buffer of CDR) arrives intact, publish(object) with a uint8[] subarray arrives corrupted", async () => {
        const r = await graph();
        const peer = new Peer(r, "bug_peer");
        const got: Uint8Array[] = [];
        const codec = codecFor(IMAGE);
        peer.node.createSubscription(
          IMAGE,
          "/standin_bug",
          { qos: r.QoS.profileDefault, isRaw: true },
          (b: Buffer) => got.push(codec.decode(b).data.slice()),
        );
        const pub = peer.node.createPublisher(IMAGE, "/standin_bug", { qos: r.QoS.profileDefault });
        const backing = new Uint8Array(64);
        for (let i = 0; i < 64; i++) backing[i] = i;
        const view = backing.subarray(32, 48); // 32..47, byteOffset 32
        const msg = {
          header: header(2),
          height: 4,
          width: 4,
          encoding: "mono8",
          is_bigendian: 0,
          step: 4,
          data: view,
        };
        pub.publish(msg);
        pub.publish(Buffer.from(codec.encode(msg)));
        pub.publish({ ...msg, data: view.slice() });
        await waitFor(() => got.length === 3, "three messages");
        const expected = Array.from(view);
        expect(Array.from(got[0])).toEqual(Array.from(backing.subarray(0, 16))); // the bug: start of the buffer
        expect(Array.from(got[0])).not.toEqual(expected);
        expect(Array.from(got[1])).toEqual(expected); // serialized bytes: intact
        expect(Array.from(got[2])).toEqual(expected); // a fresh array: intact
      });

      it("does not deliver a best-effort publisher's messages to a reliable subscriber", async () => {
        const r = await graph();
        const peer = new Peer(r, "qos_peer");
        const reliable: Buffer[] = [];
        const bestEffort: Buffer[] = [];
        peer.node.createSubscription(
          IMAGE,
          "/standin_qos",
          { qos: r.QoS.profileDefault, isRaw: true },
          (b: Buffer) => reliable.push(b),
        );
        peer.node.createSubscription(
          IMAGE,
          "/standin_qos",
          { qos: r.QoS.profileSensorData, isRaw: true },
          (b: Buffer) => bestEffort.push(b),
        );
        peer.camera("/standin_qos").publish(imageCdr(header(3)));
        await waitFor(() => bestEffort.length === 1, "the best-effort delivery");
        await new Promise((res) => setTimeout(res, 50));
        expect(reliable).toHaveLength(0);
      });

      it("gives a late transient-local subscriber the last message", async () => {
        const r = await graph();
        const peer = new Peer(r, "latch_peer");
        const q = r.QoS;
        const latched = new q(
          q.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST,
          1,
          q.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE,
          q.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL,
        );
        const pub = peer.node.createPublisher(IMAGE, "/standin_latched", { qos: latched });
        pub.publish(imageCdr(header(4)));
        pub.publish(imageCdr(header(5)));
        await new Promise((res) => setTimeout(res, 50));
        const late = new Peer(r, "late_peer").listen("/standin_latched", IMAGE, {
          transientLocal: true,
        });
        await waitFor(() => late.length === 1, "the latched message");
        expect((late[0] as { header: unknown }).header).toEqual(header(5));
      });

      it("applies --ros-args remaps to node name, namespace and topics", async () => {
        const r = await graph([
          "--ros-args",
          "-r",
          "__ns:=/cam1",
          "-r",
          "__node:=front",
          "-r",
          "image_raw:=/cameras/left",
        ]);
        const node = new r.Node("spikenode", "");
        expect(node.getFullyQualifiedName()).toBe("/cam1/front");
        expect(node.resolveTopicName("~/classification")).toBe("/cam1/front/classification");
        expect(node.resolveTopicName("image_raw")).toBe("/cameras/left");
        expect(node.resolveTopicName("other")).toBe("/cam1/other");
        expect(node.resolveTopicName("/diagnostics")).toBe("/diagnostics");
      });

      it("lifecycle: runs transition callbacks synchronously, maps their codes to rcl's states, refuses unavailable transitions", async () => {
        const r = await graph();
        const node = r.createLifecycleNode("managed");
        const codes = r.lifecycle.CallbackReturnCode;
        expect([codes.SUCCESS, codes.FAILURE, codes.ERROR]).toEqual([97, 98, 99]);
        const calls: string[] = [];
        let configureResult = codes.FAILURE;
        node.registerOnConfigure((prev) => {
          calls.push(`configure from ${prev.label}`);
          return configureResult;
        });
        node.registerOnActivate(() => {
          throw new Error("activation bug");
        });
        node.registerOnError((prev) => {
          calls.push(`error from ${prev.label}`);
          return codes.SUCCESS;
        });
        expect(node.currentState).toMatchObject({ id: 1, label: "unconfigured" });
        expect(() => node.activate()).toThrow(/Transition is not registered/);
        expect(node.configure().label).toBe("unconfigured"); // FAILURE: back where it was
        configureResult = codes.SUCCESS;
        expect(node.configure().label).toBe("inactive");
        // A throw is ERROR: onError runs, given the state the transition began in, and its SUCCESS
        // means unconfigured.
        expect(node.activate().label).toBe("unconfigured");
        expect(calls).toEqual([
          "configure from unconfigured",
          "configure from unconfigured",
          "error from inactive",
        ]);
        expect(node.shutdown().label).toBe("finalized");
      });

      it("lifecycle: an async callback's Promise is no return code: the transition throws and the node is stuck in it", async () => {
        const r = await graph();
        const node = r.createLifecycleNode("async_managed");
        let errorRan = false;
        let configureRan = false;
        node.registerOnConfigure((async () => {
          configureRan = true;
          return r.lifecycle.CallbackReturnCode.SUCCESS;
        }) as never);
        node.registerOnError(() => {
          errorRan = true;
          return r.lifecycle.CallbackReturnCode.SUCCESS;
        });
        expect(() => node.configure()).toThrow(/A number was expected/);
        expect(configureRan).toBe(true);
        expect(errorRan).toBe(false);
        expect(node.currentState).toMatchObject({ id: 10, label: "configuring" });
        expect(() => node.activate()).toThrow(/Transition is not registered/);
      });

      it("lifecycle: a lifecycle publisher sends only while activated, which the node's transitions do not change", async () => {
        const r = await graph();
        const node = r.createLifecycleNode("lc_pub");
        node.registerOnActivate(() => r.lifecycle.CallbackReturnCode.SUCCESS);
        const pub = node.createLifecyclePublisher(IMAGE, "/lc_images");
        const got = new Peer(r, "lc_peer").listen("/lc_images", IMAGE);
        await new Promise((res) => setTimeout(res, 50));
        node.configure();
        node.activate();
        expect(pub.isActivated()).toBe(false);
        pub.publish(imageCdr(header(1)));
        pub.activate();
        pub.publish(imageCdr(header(2)));
        await waitFor(() => got.length === 1, "the activated publisher's message");
        await new Promise((res) => setTimeout(res, 50));
        expect((got as { header: unknown }[]).map((m) => m.header)).toEqual([header(2)]);
      });
    },
  );
}

describe("rclnodejs stand-in, beyond what a graph shows", () => {
  it("types -p values as rcl does and applies the params file, /** and the bare node name", async () => {
    const rcl = createRclStandin();
    const file = path.join(import.meta.dirname, "../../launch/params.yaml");
    await rcl.init(undefined, [
      "node",
      "x",
      "--ros-args",
      "--params-file",
      file,
      "-p",
      "top_k:=3",
      "-p",
      "other:top_k:=9",
      "-p",
      "dt:=0.5",
      "-p",
      "model:=m",
      "-p",
      "early_exit:=true",
    ]);
    const node = new rcl.Node("spikenode");
    const t = rcl.ParameterType;
    const d = (name: string, type: number, v: unknown) =>
      node.declareParameter(new rcl.Parameter(name, type, v));
    expect(d("top_k", t.PARAMETER_INTEGER, 1).value).toBe(3n);
    expect(d("dt", t.PARAMETER_DOUBLE, 0).value).toBe(0.5);
    expect(d("model", t.PARAMETER_STRING, "x").value).toBe("m");
    expect(d("early_exit", t.PARAMETER_BOOL, false).value).toBe(true);
    expect(d("presentation", t.PARAMETER_STRING, "x").value).toBe("model"); // from params.yaml
    rcl.shutdown();
  });

  it("runs rclnodejs's parameter pipeline: type check before callbacks, with its wording", async () => {
    const rcl = createRclStandin();
    await rcl.init(undefined, []);
    const node = new rcl.Node("p");
    const t = rcl.ParameterType;
    const seen: string[] = [];
    node.addOnSetParametersCallback((ps) => {
      seen.push(ps.map((p) => p.name).join(","));
      return ps.some((p) => p.value === 13n)
        ? { successful: false, reason: "unlucky" }
        : { successful: true, reason: "" };
    });
    node.declareParameter(new rcl.Parameter("n", t.PARAMETER_INTEGER, 1));
    expect(node.setParameters([new rcl.Parameter("n", t.PARAMETER_STRING, "x")])[0]).toEqual({
      successful: false,
      reason: "Parameter n does not  readonly",
    });
    expect(node.setParameters([new rcl.Parameter("n", t.PARAMETER_INTEGER, 13)])[0]).toEqual({
      successful: false,
      reason: "unlucky",
    });
    expect(node.setParameters([new rcl.Parameter("m", t.PARAMETER_INTEGER, 1)])[0].reason).toBe(
      "Parameter m has not been declared",
    );
    expect(node.getParameter("n").value).toBe(1n);
    expect(seen).toEqual(["n", "n"]); // declaration and the vetoed set; the type error never reached it
    rcl.shutdown();
  });
});
