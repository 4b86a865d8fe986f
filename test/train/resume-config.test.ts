import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAnyTrainConfig, parseTrainConfig, type TrainConfig } from "../../src/train/config.js";
import { resumeConfig } from "../../src/train/resume-config.js";

const CONFIGS = new URL("../../models/configs/", import.meta.url);
const text = (name: string) => readFileSync(new URL(name, CONFIGS), "utf8");
const stored = parseTrainConfig(text("fashion-mnist-lif.yaml"), "fashion-mnist-lif.yaml");

function edited(change: (c: TrainConfig) => void): TrainConfig {
  const c = structuredClone(stored);
  change(c);
  return c;
}

describe("resuming with an edited config file", () => {
  it("changes nothing when the file equals the checkpoint's config", () => {
    const r = resumeConfig(stored, structuredClone(stored));
    expect(r).toEqual({ config: stored, adopted: [], ignored: [] });
  });

  it("takes a longer schedule and an added anneal step from the file", () => {
    const file = edited((c) => {
      c.training.epochs = stored.training.epochs + 5;
      c.training.anneal.push({ epoch: 13, dropout: 0.1 });
      c.spiking.timesteps = stored.spiking.timesteps - 50;
    });
    const r = resumeConfig(stored, file);
    expect(r.adopted).toEqual(["training.epochs", "training.anneal", "spiking"]);
    expect(r.ignored).toEqual([]);
    expect(r.config.training.epochs).toBe(stored.training.epochs + 5);
    expect(r.config.training.anneal.at(-1)).toEqual({ epoch: 13, dropout: 0.1 });
    expect(r.config.spiking.timesteps).toBe(stored.spiking.timesteps - 50);
    // The checkpoint's own object is not modified.
    expect(stored.training.anneal.some((a) => a.epoch === 13 && a.dropout === 0.1)).toBe(false);
  });

  it("keeps the checkpoint's architecture, data and optimiser and names what it kept", () => {
    const file = edited((c) => {
      c.training.lr = 0.01;
      c.dataset.augment.shift = 2;
      c.layers[0] = { ...c.layers[0], filters: 8 } as TrainConfig["layers"][number];
    });
    const r = resumeConfig(stored, file);
    expect(r.adopted).toEqual([]);
    expect(r.ignored).toEqual(["dataset.augment.shift", "layers", "training.lr"]);
    expect(r.config).toEqual(stored);
  });

  it("never mixes a sequence-network file into a soft-LIF checkpoint", () => {
    const srnn = parseAnyTrainConfig(text("fashion-mnist-rows-srnn.yaml"), "rows-srnn.yaml");
    const r = resumeConfig(stored, srnn);
    expect(r.config).toBe(stored);
    expect(r.ignored).toEqual(["kind"]);
  });

  it("the shipped model is fashion-mnist-lif.yaml resumed with -continue.yaml, then averaged with -swa.yaml", () => {
    const read = (path: string) =>
      JSON.parse(
        readFileSync(new URL(`../../models/fashion-mnist-lif/${path}`, import.meta.url), "utf8"),
      ) as {
        config: TrainConfig;
        epoch: number;
        initFrom?: { path: string; epochsDone: number };
        averageCount?: number;
      };
    const base = read("base-20-epochs/checkpoint/checkpoint.json");
    const baseConfig = parseTrainConfig(JSON.stringify(base.config), "checkpoint.json");
    expect(base.epoch).toBe(20);
    const cont = parseTrainConfig(text("fashion-mnist-lif-continue.yaml"), "continue.yaml");
    expect(resumeConfig(baseConfig, cont)).toEqual({
      config: baseConfig,
      adopted: [],
      ignored: [],
    });
    // The first run's file differs only in its length.
    expect(resumeConfig(baseConfig, stored).adopted).toEqual(["training.epochs"]);
    expect(resumeConfig(baseConfig, stored).ignored).toEqual([]);
    // The shipped weights: the averaging run started from that checkpoint.
    const swa = read("checkpoint/checkpoint.json");
    expect(swa.initFrom).toMatchObject({
      path: "models/fashion-mnist-lif/base-20-epochs",
      epochsDone: 20,
    });
    expect([swa.epoch, swa.averageCount]).toEqual([8, 8]);
    const swaConfig = parseTrainConfig(JSON.stringify(swa.config), "checkpoint.json");
    const file = parseTrainConfig(text("fashion-mnist-lif-swa.yaml"), "swa.yaml");
    expect(resumeConfig(swaConfig, file)).toEqual({ config: swaConfig, adopted: [], ignored: [] });
  });
});
