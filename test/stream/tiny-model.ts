/**
 * A small but real model for pipeline tests, written through the model file format: 1×8×8 gray
 * input, dense 64→24 LIF, dense 24→4 LIF, spike-count readout. Weights come from a seeded
 * generator and are scaled so that both layers fire at moderate rates for image-like inputs
 * (and so different pictures give different classes).
 */
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ModelSpecInput } from "../../src/snn/model-spec.js";

export const TINY_LABELS = ["ring", "bar", "dot", "field"];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TinyModel {
  dir: string;
  cleanup(): Promise<void>;
}

export async function writeTinyModel(
  overrides: Partial<Pick<ModelSpecInput, "presentation" | "input" | "readout">> = {},
): Promise<TinyModel> {
  const rand = mulberry32(1234);
  const nIn = 64;
  const nHid = 24;
  const nOut = 4;
  const w1 = Float32Array.from({ length: nHid * nIn }, () => (rand() - 0.35) * 0.9);
  const b1 = Float32Array.from({ length: nHid }, () => rand() * 0.6);
  const w2 = Float32Array.from({ length: nOut * nHid }, () => (rand() - 0.4) * 0.08);
  const b2 = Float32Array.from({ length: nOut }, () => 0.3 + rand() * 0.3);
  const parts = [w1, b1, w2, b2];
  const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
  const buf = new Uint8Array(bytes);
  const offsets: number[] = [];
  let off = 0;
  for (const p of parts) {
    offsets.push(off);
    const view = new DataView(buf.buffer, off, p.byteLength);
    p.forEach((v, i) => view.setFloat32(i * 4, v, true));
    off += p.byteLength;
  }
  const lif = { model: "lif" as const, tau_rc: 0.02, tau_ref: 0.002 };
  const spec: ModelSpecInput = {
    format: "spikenode-model",
    version: 1,
    name: "tiny-test",
    dt: 0.001,
    weights: { file: "weights.bin", bytes },
    input: overrides.input ?? {
      shape: [1, 8, 8],
      preprocess: { color: "gray", fit: "stretch", invert: false },
      // gain and bias not exact in float32, so a float32 current path would disagree with run().
      encoder: { type: "constant", gain: 4.3, bias: 0.1 },
    },
    presentation: overrides.presentation ?? { mode: "reset", timesteps: 30 },
    layers: [
      { type: "flatten" },
      {
        type: "dense",
        weights: { offset: offsets[0], shape: [nHid, nIn] },
        bias: { offset: offsets[1], shape: [nHid] },
        neuron: lif,
      },
      {
        type: "dense",
        weights: { offset: offsets[2], shape: [nOut, nHid] },
        bias: { offset: offsets[3], shape: [nOut] },
        neuron: lif,
      },
    ],
    readout: overrides.readout ?? { type: "spike_count" },
    labels: TINY_LABELS,
    provenance: { method: "hand-written", dataset: "none (pipeline tests)" },
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), "spikenode-tiny-"));
  await writeFile(path.join(dir, "model.json"), JSON.stringify(spec, null, 2));
  await writeFile(path.join(dir, "weights.bin"), buf);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
