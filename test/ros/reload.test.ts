/**
 * The `~/reload` service (std_srvs/srv/Trigger): the model files read again into a pipeline
 * beside the running one, swapped in once loaded; a model that no longer loads is refused with
 * the reason and the running one keeps classifying. Called through the stand-in's services, as
 * `ros2 service call /spikenode/reload std_srvs/srv/Trigger` would.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SpikenodeLifecycleNode } from "../../src/ros/lifecycle-node.js";
import { SpikenodeNode } from "../../src/ros/spikenode-node.js";
import { checkPipeline, createPipeline } from "../../src/stream/index.js";
import { BACKENDS, Peer, waitFor } from "./helpers.js";
import { quadrantImage, writeQuadrantModel } from "./quadrant-model.js";
import type { RclStandin } from "./standin/rclnodejs-standin.js";

const standin = BACKENDS.find((b) => b.standin)!;

/** Weights in which output neuron q sums the quadrant 3 - q: every class flips. */
function flippedWeights(): Uint8Array {
  const w = new Float32Array(4 * 16);
  for (let y = 0; y < 4; y++)
    for (let x = 0; x < 4; x++) {
      const q = (y < 2 ? 0 : 2) + (x < 2 ? 0 : 1);
      w[(3 - q) * 16 + y * 4 + x] = 0.5;
    }
  return new Uint8Array(w.buffer);
}

describe("~/reload on the rclnodejs stand-in", () => {
  let rcl: RclStandin;
  let stop: (() => Promise<unknown>) | undefined;

  afterEach(async () => {
    await stop?.();
    stop = undefined;
    if (rcl && !rcl.isShutdown()) rcl.shutdown();
  });

  async function plainNode(modelDir: string) {
    rcl = standin.standin!(await standin.create());
    await rcl.init(undefined, ["node", "spikenode", "--ros-args", "-p", `model:=${modelDir}`]);
    const node = await SpikenodeNode.start({
      rcl,
      createPipeline,
      checkPipeline,
      initRcl: false,
    });
    stop = () => node.stop();
    const peer = new Peer(rcl);
    const cls = peer.listen("/spikenode/classification", "vision_msgs/msg/Classification") as {
      results: { class_id: string }[];
    }[];
    const cam = peer.camera("/image_raw");
    await new Promise((r) => setTimeout(r, 20));
    let n = 0;
    const classify = async (q: number) => {
      const before = cls.length;
      cam.publish(quadrantImage(n++, q));
      await waitFor(() => cls.length === before + 1, "a classification", 15_000);
      return cls.at(-1)!.results[0].class_id;
    };
    return { node, classify };
  }

  it("reads the model files again and swaps the new weights in once loaded", async () => {
    const dir = writeQuadrantModel();
    const { node, classify } = await plainNode(dir);
    expect(await classify(1)).toBe("1");
    writeFileSync(path.join(dir, "weights.bin"), flippedWeights());
    // The running pipeline holds the old weights until the reload.
    expect(await classify(1)).toBe("1");
    const answer = await rcl.callService("/spikenode/reload");
    expect(answer).toEqual({
      success: true,
      message: expect.stringMatching(/^reloaded model quadrants from .*: 4 classes, 25 ticks$/),
    });
    expect(await classify(1)).toBe("2");
    expect(node.stats()).toMatchObject({ errors: 0, dropped: 0 });
  });

  it("refuses a model that no longer loads, with the reason; the running one keeps classifying", async () => {
    const dir = writeQuadrantModel();
    const { classify } = await plainNode(dir);
    expect(await classify(2)).toBe("2");
    writeFileSync(path.join(dir, "weights.bin"), new Uint8Array(10));
    const answer = (await rcl.callService("/spikenode/reload")) as {
      success: boolean;
      message: string;
    };
    expect(answer.success).toBe(false);
    expect(answer.message).toMatch(
      /weights\.bin has 10 bytes where model\.json says 256; the files do not belong together; still running the model loaded before$/,
    );
    expect(await classify(2)).toBe("2");
  });

  it("on the managed node, answers false unless active", async () => {
    const dir = writeQuadrantModel();
    rcl = standin.standin!(await standin.create());
    await rcl.init(undefined, ["node", "spikenode", "--ros-args", "-p", `model:=${dir}`]);
    const node = await SpikenodeLifecycleNode.create({ rcl, createPipeline, initRcl: false });
    stop = () => node.stop();
    expect(await rcl.callService("/spikenode/reload")).toEqual({
      success: false,
      message:
        "the node is unconfigured; reload works while it is active (configure reads the model anew)",
    });
    node.node.configure();
    node.node.activate();
    expect(await rcl.callService("/spikenode/reload")).toMatchObject({ success: true });
  });
});
