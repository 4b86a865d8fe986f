/**
 * `spikenode train --export-only` over a shipped model reproduces it: the run's network (the
 * weight mean when the run averages), and the provenance eval recorded about those weights.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import { FASHION_MNIST_DIR } from "../../src/train/datasets/fashion-mnist.js";
import { buildModel } from "../../src/train/export.js";
import { planNetwork } from "../../src/train/net.js";
import { carryProvenance } from "../../src/train/reexport.js";
import { runCli, ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const MODELS = join(ROOT, "models");
const FIXTURE = join(ROOT, "test/fixtures/train/fashion-mnist");

/** A copy of a shipped model directory's model files and checkpoint. */
function copyModel(name: string, files: string[]): string {
  const dir = join(tempDir("spikenode-reexport-"), name);
  for (const f of [...files, "checkpoint"])
    cpSync(join(MODELS, name, f), join(dir, f), { recursive: true });
  return dir;
}

const same = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));

describe("re-exporting the shipped fashion-mnist-lif (weight-averaged)", () => {
  it("with the SWA config and --export-only gives its weights.bin, model.json, training.json and curves byte for byte", () => {
    const dir = copyModel("fashion-mnist-lif", ["model.json", "weights.bin"]);
    const r = runCli([
      "train",
      "--config",
      join(MODELS, "configs/fashion-mnist-lif-swa.yaml"),
      "--out",
      dir,
      "--export-only",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/the mean of 8 epoch ends/);
    expect(r.stdout).toMatch(/same network as before; provenance.accuracy kept/);
    for (const f of ["weights.bin", "model.json", "training.json", "training-curves.svg"])
      expect(same(join(dir, f), join(MODELS, "fashion-mnist-lif", f)), f).toBe(true);
  });

  it("mnist-lif (not averaged) too: a finished checkpoint exports as the finished run, without a checkpoint field", () => {
    const dir = copyModel("mnist-lif", ["model.json", "weights.bin"]);
    const r = runCli([
      "train",
      "--config",
      join(MODELS, "configs/mnist-lif.yaml"),
      "--out",
      dir,
      "--export-only",
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["weights.bin", "model.json", "training.json", "training-curves.svg"])
      expect(same(join(dir, f), join(MODELS, "mnist-lif", f)), f).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    expect(json.provenance.checkpoint).toBeUndefined();
    expect(Object.keys(json.provenance.accuracy)).toEqual(["mnist-package-test", "validation-500"]);
  });

  it("exports the mean in checkpoint/average.bin, not the running parameters beside it", () => {
    const ck = loadCheckpoint(join(MODELS, "fashion-mnist-lif/checkpoint"));
    expect(ck.average?.count).toBe(8);
    const shipped = readFileSync(join(MODELS, "fashion-mnist-lif/weights.bin"));
    const build = (params: Float32Array[]) =>
      Buffer.from(
        buildModel({
          config: ck.meta.config,
          plan: planNetwork(ck.meta.config, ck.meta.inputCHW),
          params,
          labels: [...Array(10).keys()].map(String),
          inputCHW: ck.meta.inputCHW,
          history: ck.meta.history,
        }).weights,
      );
    expect(build(ck.average!.params).equals(shipped)).toBe(true);
    expect(build(ck.params).equals(shipped)).toBe(false);
  });
});

describe("carryProvenance", () => {
  it("keeps created and accuracy over the same network, drops accuracy over another", () => {
    const dir = tempDir();
    const net = { layers: [{ synapse: "alpha:0.005" }] };
    const old = {
      ...net,
      provenance: { created: "then", accuracy: { a: 1 }, training: { x: 1 } },
    };
    writeFileSync(join(dir, "model.json"), JSON.stringify(old));
    writeFileSync(join(dir, "weights.bin"), Uint8Array.of(1, 2, 3, 4));
    const w = Uint8Array.of(1, 2, 3, 4);
    const mine = { ...net, provenance: { created: "now", training: { x: 2 } } };
    expect(carryProvenance(dir, mine, w)).toEqual({ sameWeights: true, droppedAccuracy: false });
    expect(mine.provenance).toEqual({ created: "then", training: { x: 2 }, accuracy: { a: 1 } });
    // Its own fresh measurement wins over the old one of the same name; the others stay.
    const measured = { ...net, provenance: { created: "now", accuracy: { b: 3, a: 2 } } };
    carryProvenance(dir, measured, w);
    expect(measured.provenance.accuracy).toEqual({ a: 2, b: 3 });
    // Other weights, or the same weights with another synapse: another network.
    const other = { ...net, provenance: { created: "now" } };
    expect(carryProvenance(dir, other, Uint8Array.of(1, 2, 3, 5))).toEqual({
      sameWeights: false,
      droppedAccuracy: true,
    });
    expect(other.provenance).toEqual({ created: "now" });
    const resynapsed = { layers: [{ synapse: "none" }], provenance: { created: "now" } };
    expect(carryProvenance(dir, resynapsed, w).droppedAccuracy).toBe(true);
    expect(resynapsed.provenance).toEqual({ created: "now" });
    expect(carryProvenance(tempDir(), other, Uint8Array.of(1)).sameWeights).toBe(false);
  });
});

describe("re-exporting the shipped adaptive spiking RNNs", () => {
  it("fashion-mnist-rows-srnn measured on the 500-image fixture: same weights, its 10k accuracy and creation time kept", () => {
    const dir = copyModel("fashion-mnist-rows-srnn", ["model.json", "weights.bin"]);
    const config = join(MODELS, "configs/fashion-mnist-rows-srnn.yaml");
    const r = runCli([
      "train",
      "--config",
      config,
      "--out",
      dir,
      "--export-only",
      "--data-dir",
      FIXTURE,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(
      same(join(dir, "weights.bin"), join(MODELS, "fashion-mnist-rows-srnn/weights.bin")),
    ).toBe(true);
    const shipped = JSON.parse(
      readFileSync(join(MODELS, "fashion-mnist-rows-srnn/model.json"), "utf8"),
    );
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    expect(json.provenance.created).toBe(shipped.provenance.created);
    // The shipped 10k figure stays beside the fixture's: both describe these weights.
    expect(json.provenance.accuracy).toMatchObject(shipped.provenance.accuracy);
    expect(Object.keys(json.provenance.accuracy)).toContain(
      "fashion-mnist test (500, TF.js forward)",
    );
  });

  it.skipIf(!existsSync(FASHION_MNIST_DIR))(
    "both, on the full Fashion-MNIST test set, give their model.json and weights.bin byte for byte (needs the dataset installed)",
    () => {
      for (const name of ["fashion-mnist-rows-srnn", "moving-fashion-srnn"]) {
        const dir = copyModel(name, ["model.json", "weights.bin"]);
        const config = join(MODELS, `configs/${name}.yaml`);
        const r = runCli(["train", "--config", config, "--out", dir, "--export-only"]);
        expect(r.status, r.stderr).toBe(0);
        for (const f of ["weights.bin", "model.json", "training.json", "training-curves.svg"])
          expect(same(join(dir, f), join(MODELS, name, f)), `${name}/${f}`).toBe(true);
      }
    },
    120_000,
  );
});
