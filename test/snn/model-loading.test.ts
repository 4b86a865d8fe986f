import { writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/temp.js";
import { loadModel, loadModelSync, ModelError, parseModel } from "../../src/snn/index.js";
import { LIF, packModel, randomTensor, rng } from "./helpers.js";

/** Model JSON as the mutations below edit it (deliberately untyped: they break it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const valid = () =>
  packModel({
    inputShape: [1, 4, 4],
    layers: [
      {
        type: "conv2d",
        weights: randomTensor([2, 1, 3, 3], rng(1)),
        bias: randomTensor([2], rng(2)),
        neuron: LIF,
      },
      { type: "flatten" },
      { type: "dense", weights: randomTensor([3, 8], rng(3)), neuron: LIF },
    ],
  });

function problem(json: unknown, bytes: Uint8Array): string {
  try {
    parseModel(json, bytes, "models/x/model.json");
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError & { userFacing: boolean }).userFacing).toBe(true);
    return (err as Error).message;
  }
  throw new Error("expected a ModelError");
}

describe("model loading errors name the file, the field and the fix", () => {
  it("accepts the valid model and fills defaults", () => {
    const { json, bytes } = valid();
    const m = parseModel(json, bytes, "x");
    expect(m.layers.map((l) => l.outShape)).toEqual([[2, 2, 2], [8], [3]]);
    expect(m.spec.layers[0].type === "conv2d" && m.spec.layers[0].synapse).toEqual({
      type: "none",
    });
  });
  const cases: [string, (j: Loose, b: Uint8Array) => [unknown, Uint8Array], RegExp][] = [
    [
      "missing field",
      (j, b) => {
        delete j.dt;
        return [j, b];
      },
      /model\.json: dt: missing required field.*Fix: add it/,
    ],
    [
      "missing nested field",
      (j, b) => {
        delete j.layers[0].neuron.tau_rc;
        return [j, b];
      },
      /layers\[0\]\.neuron\.tau_rc: missing/,
    ],
    [
      "unknown field",
      (j, b) => {
        j.layers[2].neuron.tau_syn = 0;
        return [j, b];
      },
      /layers\[2\]\.neuron: unknown field "tau_syn".*remove it/,
    ],
    [
      "unknown layer type",
      (j, b) => {
        j.layers[1].type = "reshape";
        return [j, b];
      },
      /layers\[1\]\.type: .*Fix: use one of/,
    ],
    [
      "wrong format",
      (j, b) => {
        j.format = "snn-peer-spec/1";
        return [j, b];
      },
      /format: expected "spikenode-model"/,
    ],
    [
      "wrong version",
      (j, b) => {
        j.version = 3;
        return [j, b];
      },
      /version: this engine reads version 1/,
    ],
    [
      "weights file too short",
      (j, b) => [j, b.subarray(0, b.length - 4)],
      /weights\.bytes: says \d+ bytes but "weights\.bin" has \d+/,
    ],
    [
      "weights.bytes lies",
      (j, b) => {
        j.weights.bytes += 4;
        return [j, b];
      },
      /weights\.bytes/,
    ],
    [
      "NaN weight",
      (j, b) => {
        new DataView(b.buffer).setFloat32(8, NaN, true);
        return [j, b];
      },
      /weights\.bin.*layers\[0\]\.weights: value 2 \(byte 8\) is NaN/,
    ],
    [
      "Inf weight",
      (j, b) => {
        const o = j.layers[2].weights.offset;
        new DataView(b.buffer).setFloat32(o, Infinity, true);
        return [j, b];
      },
      /layers\[2\]\.weights: value 0 .* is Infinity/,
    ],
    [
      "shapes do not chain (dense in)",
      (j, b) => {
        j.layers[2].weights.shape = [3, 9];
        return [j, b];
      },
      /layers\[2\]\.weights\.shape: is \[3, 9\] but the layer needs \[3, 8\]/,
    ],
    [
      "conv channels do not chain",
      (j, b) => {
        j.layers[0].weights.shape = [2, 2, 3, 3];
        j.layers[0].weights.offset = 0;
        return [j, b];
      },
      /layers\[0\]\.weights\.shape: is \[2, 2, 3, 3\] but the layer needs \[2, 1, 3, 3\]/,
    ],
    [
      "dense without flatten",
      (j, b) => {
        j.layers.splice(1, 1);
        return [j, b];
      },
      /layers\[1\]: dense needs a flat input but receives \[2, 2, 2\].*insert \{"type": "flatten"\}/,
    ],
    [
      "tensor beyond the file",
      (j, b) => {
        j.layers[2].weights.offset = 1 << 20;
        return [j, b];
      },
      /layers\[2\]\.weights: needs bytes/,
    ],
    [
      "labels do not match outputs",
      (j, b) => {
        j.labels.push("extra");
        return [j, b];
      },
      /labels: has 4 labels but the last layer has 3 neurons/,
    ],
    [
      "readout window outside presentation",
      (j, b) => {
        j.readout.window = { start: 0, end: 999 };
        return [j, b];
      },
      /readout\.window/,
    ],
    [
      "last layer without neurons",
      (j, b) => {
        j.layers.push({ type: "flatten" });
        return [j, b];
      },
      /the last layer is flatten/,
    ],
    [
      "kernel bigger than input",
      (j, b) => {
        j.layers.splice(1, 0, { type: "avgpool2d", kernel: [3, 3], stride: [1, 1] });
        return [j, b];
      },
      /layers\[1\]\.kernel/,
    ],
    [
      "negative time constant",
      (j, b) => {
        j.layers[0].neuron.tau_rc = -1;
        return [j, b];
      },
      /layers\[0\]\.neuron\.tau_rc: Too small/,
    ],
  ];
  for (const [name, mutate, pattern] of cases) {
    it(name, () => {
      const { json, bytes } = valid();
      const [j, b] = mutate(structuredClone(json), bytes.slice());
      expect(problem(j, b)).toMatch(pattern);
    });
  }
  it("loadModel and loadModelSync: missing directory, bad JSON, missing weights file, alike", async () => {
    const dir = tempDir("spikenode-model-");
    // The synchronous loader (a lifecycle node's configure) throws what the async one rejects with.
    const both = async (where: string, pattern: RegExp) => {
      await expect(loadModel(where)).rejects.toThrow(pattern);
      expect(() => loadModelSync(where)).toThrow(pattern);
    };
    await both(path.join(dir, "nope"), /model\.json: \(top level\): no such file/);
    writeFileSync(path.join(dir, "model.json"), "{ not json");
    await both(dir, /is not valid JSON/);
    const { json, bytes } = valid();
    writeFileSync(path.join(dir, "model.json"), JSON.stringify(json));
    await both(dir, /weights\.file: "weights\.bin" does not exist/);
    writeFileSync(path.join(dir, "weights.bin"), bytes);
    const loaded = await loadModel(dir);
    expect(loaded.outputSize).toBe(3);
    expect(loadModelSync(dir)).toEqual(loaded);
  });
  it("fuzz: any mutation of a valid model either loads or throws a ModelError", () => {
    const { json, bytes } = valid();
    const leaf = fc.oneof(
      fc.integer({ min: -5, max: 1000 }),
      fc.double(),
      fc.string(),
      fc.constant(null),
      fc.boolean(),
      fc.constant([]),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.nat(), leaf), { minLength: 1, maxLength: 3 }),
        (edits) => {
          const j = structuredClone(json) as Loose;
          for (const [a, b, value] of edits) {
            // Walk to a random object inside the model and overwrite a random key.
            let node = j;
            for (
              let depth = 0;
              depth < a % 4 && typeof node === "object" && node !== null;
              depth++
            ) {
              const keys = Object.keys(node);
              if (keys.length === 0) break;
              const next = node[keys[(a >> depth) % keys.length]];
              if (typeof next !== "object" || next === null) break;
              node = next;
            }
            const keys = Object.keys(node);
            if (keys.length > 0) node[keys[b % keys.length]] = value;
          }
          try {
            parseModel(j, bytes, "fuzz");
          } catch (err) {
            if (!(err instanceof ModelError)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
