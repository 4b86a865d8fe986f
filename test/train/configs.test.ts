import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/create-network.js";
import { loadModel } from "../../src/snn/model-file.js";
import { initBackend } from "../../src/train/backend.js";
import { effectiveConfig, loadTrainConfig, parseTrainConfig } from "../../src/train/config.js";
import { loadCifar10 } from "../../src/train/datasets/cifar10.js";
import { modelInputs } from "../../src/train/evaluate.js";
import { buildModel, writeModel } from "../../src/train/export.js";
import { planNetwork } from "../../src/train/net.js";
import { train } from "../../src/train/train-soft-lif.js";

const CONFIGS = new URL("../../models/configs/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "spikenode-cifar-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("shipped training configs", () => {
  it("parse, and the CIFAR-10 one has the paper's layer sizes (with valid pooling)", () => {
    for (const name of ["fashion-mnist-lif", "mnist-lif", "cifar10-lif"]) {
      const config = loadTrainConfig(join(CONFIGS, `${name}.yaml`));
      expect(config.name).toBe(name);
    }
    const cifar = loadTrainConfig(join(CONFIGS, "cifar10-lif.yaml"));
    const plan = planNetwork(cifar, [3, 24, 24]);
    expect(plan.shapes).toEqual([
      [24, 24, 64],
      [11, 11, 64],
      [11, 11, 64],
      [5, 5, 64],
      [5, 5, 64],
      [5, 5, 32],
      [10],
    ]);
    expect(cifar.neuron).toMatchObject({ tau_rc: 0.05, tau_ref: 0.001, gain: 0.825 });
  });

  it("rejects a config whose last layer is not linear class scores", () => {
    const text = readFileSync(join(CONFIGS, "mnist-lif.yaml"), "utf8").replace(
      /, activation: linear/,
      "",
    );
    expect(() => parseTrainConfig(text, "bad.yaml")).toThrow(
      /bad\.yaml: the last weighted layer must be "dense" with activation "linear"/,
    );
  });
});

describe("CIFAR-10 path", () => {
  it("trains on random crops of synthetic binary batches and exports a model evaluated on centre crops", async () => {
    const record = (i: number) => {
      const r = new Uint8Array(3073);
      r[0] = i % 10;
      for (let p = 1; p < 3073; p++) r[p] = (p * 7 + i * 31) % 256;
      return r;
    };
    const batch = (n: number, base: number) => {
      const out = new Uint8Array(n * 3073);
      for (let i = 0; i < n; i++) out.set(record(base + i), i * 3073);
      return out;
    };
    for (let k = 1; k <= 5; k++)
      writeFileSync(join(dir, `data_batch_${k}.bin`), batch(12, k * 100));
    writeFileSync(join(dir, "test_batch.bin"), batch(10, 0));
    expect(loadCifar10("train", dir).count).toBe(60);
    const config = parseTrainConfig(
      JSON.stringify({
        name: "cifar-tiny",
        dataset: { name: "cifar10", validation: 10, augment: { flip: true, crop: 24 } },
        layers: [
          { type: "conv2d", filters: 4, kernel: 3, padding: 1 },
          { type: "avgpool2d", size: 3, stride: 2 },
          { type: "dense", units: 10, activation: "linear" },
        ],
        training: { epochs: 1, batch_size: 10 },
        spiking: { timesteps: 20, readout_start: 5 },
      }),
      "cifar-tiny.json",
    );
    await initBackend("wasm");
    const out = join(dir, "model");
    const result = await train({
      config,
      out,
      resume: false,
      threads: 1,
      backend: "wasm",
      dataDir: dir,
      progress: false,
      log: () => {},
    });
    expect(result.plan.input).toEqual([24, 24, 3]);
    const model = buildModel({
      config,
      plan: result.plan,
      params: result.params,
      labels: result.train.classes,
      inputCHW: [3, 24, 24],
      history: result.history,
    });
    writeModel(out, model, result.history);
    const loaded = await loadModel(out);
    expect(loaded.inputShape).toEqual([3, 24, 24]);
    expect(loaded.spec.input.preprocess.color).toBe("rgb");
    const { pixels, count } = modelInputs(loadCifar10("test", dir), loaded);
    expect(count).toBe(10);
    const { scores } = createNetwork(loaded).run(pixels.subarray(0, loaded.inputSize));
    expect(scores.every(Number.isFinite)).toBe(true);
  });
});

describe("training.anneal", () => {
  it("switches noise σ and dropout from the given epoch on", () => {
    const config = loadTrainConfig(join(CONFIGS, "mnist-lif.yaml"));
    const annealed = {
      ...config,
      training: {
        ...config.training,
        anneal: [
          { epoch: 3, sigma: 4 },
          { epoch: 5, dropout: 0.1, gamma: 0.002 },
        ],
      },
    };
    expect(effectiveConfig(annealed, 0)).toBe(annealed);
    expect(effectiveConfig(annealed, 1)).toBe(annealed);
    expect(effectiveConfig(annealed, 2).neuron.sigma).toBe(4);
    expect(effectiveConfig(annealed, 2).layers.find((l) => l.type === "dropout")).toMatchObject({
      rate: 0.25,
    });
    expect(effectiveConfig(annealed, 4).layers.find((l) => l.type === "dropout")).toMatchObject({
      rate: 0.1,
    });
    expect(effectiveConfig(annealed, 4).neuron.sigma).toBe(4);
    expect(effectiveConfig(annealed, 3).neuron.gamma).toBe(0.02);
    expect(effectiveConfig(annealed, 4).neuron.gamma).toBe(0.002);
  });
});
