/**
 * The small real model of the node tests that drive the real pipeline: 4×4 gray input, one
 * output neuron per image quadrant, so a frame with one bright quadrant is that class.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { codecFor } from "../../src/messages/index.js";
import type { ModelSpecInput } from "../../src/snn/model-spec.js";
import { header, tempDir } from "./helpers.js";

export const LABELS = ["top-left", "top-right", "bottom-left", "bottom-right"];

/** 4×4 gray input; output neuron q sums the four pixels of quadrant q (weight 0.5 each). */
export function writeQuadrantModel(labels: string[] = LABELS): string {
  const dir = tempDir("spikenode-quadrants-");
  const w = new Float32Array(4 * 16);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      const q = (y < 2 ? 0 : 2) + (x < 2 ? 0 : 1);
      w[q * 16 + y * 4 + x] = 0.5;
    }
  }
  const spec: ModelSpecInput = {
    format: "spikenode-model",
    version: 1,
    name: "quadrants",
    dt: 0.001,
    weights: { file: "weights.bin", bytes: w.byteLength },
    input: { shape: [1, 4, 4], encoder: { type: "constant" } },
    presentation: { mode: "reset", timesteps: 25 },
    layers: [
      { type: "flatten" },
      {
        type: "dense",
        weights: { offset: 0, shape: [4, 16] },
        neuron: { model: "lif", tau_rc: 0.02, tau_ref: 0.002 },
      },
    ],
    readout: { type: "spike_count" },
    labels,
    provenance: { method: "hand-written" },
  };
  writeFileSync(path.join(dir, "model.json"), JSON.stringify(spec));
  writeFileSync(path.join(dir, "weights.bin"), new Uint8Array(w.buffer));
  return dir;
}

export function quadrantImage(
  n: number,
  q: number,
  opts: { encoding?: string; width?: number; height?: number } = {},
): Buffer {
  const width = opts.width ?? 4;
  const height = opts.height ?? 4;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inQ = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1) === q;
      data[y * width + x] = inQ ? 255 : 0;
    }
  }
  const bytes = codecFor("sensor_msgs/msg/Image").encode({
    header: header(n),
    height,
    width,
    encoding: opts.encoding ?? "mono8",
    is_bigendian: 0,
    step: width,
    data,
  });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
