import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProfileRegistry, compareSequenceEnergy } from "../../src/power/index.js";
import { initBackend } from "../../src/train/backend.js";
import type { EpochRecord } from "../../src/train/checkpoint.js";
import { parseAnyTrainConfig } from "../../src/train/config.js";
import { readSequenceCardData, sequenceCardMarkdown } from "../../src/train/srnn/card.js";
import type { SequenceTrainConfig } from "../../src/train/srnn/config.js";
import { finishSequenceRun } from "../../src/train/srnn/finish.js";
import { initSequenceParams, planSequenceNetwork } from "../../src/train/srnn/recurrent-net.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;

function tiny(kind: "srnn" | "rnn" | "lstm", hidden = [8]) {
  return parseAnyTrainConfig(
    JSON.stringify({
      name: `card-${kind}`,
      kind,
      dataset: { name: "fashion-mnist", validation: 100 },
      hidden,
      readout: { tau: 5, start: 14 },
      training: { epochs: 1, batch_size: 25, seed: 3 },
    }),
    `card-${kind}.json`,
  ) as SequenceTrainConfig;
}

const EPOCH: EpochRecord = {
  epoch: 1,
  trainLoss: 2,
  trainAccuracy: 0.2,
  valLoss: 2,
  valAccuracy: 0.25,
  lr: 0.01,
  seconds: 90,
  threads: 1,
};

async function finish(out: string, config: SequenceTrainConfig) {
  // 28 row steps of 28 pixels, 10 classes (Fashion-MNIST rows); untrained weights suffice here.
  const plan = planSequenceNetwork(config, 28, 28, 10);
  const lines: string[] = [];
  await finishSequenceRun({
    out,
    config,
    plan,
    params: initSequenceParams(plan, 3),
    history: [EPOCH],
    dataDir: FIXTURE,
    log: (l) => lines.push(l),
  });
  return lines;
}

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  root = mkdtempSync(join(tmpdir(), "spikenode-card-test-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("sequence model card", () => {
  it("an srnn export writes its card; baselines finishing beside it join the table", async () => {
    const srnn = join(root, "card-srnn");
    const lines = await finish(srnn, tiny("srnn"));
    expect(lines.some((l) => l.startsWith("wrote the model card"))).toBe(true);
    let card = readFileSync(join(srnn, "README.md"), "utf8");
    expect(card).toMatch(/^# card-srnn\n/);
    expect(card).toContain("Yin, Corradi & Bohté");
    expect(card).toContain("(MAC 4.6 pJ, accumulate 0.9 pJ, activation 0.9 pJ, arithmetic only)");
    expect(card).toContain("28 → 8 R (ALIF) → 10 (leaky readout)");
    expect(card).toContain("![time constants](tau-distributions.svg)");
    expect(card).toContain("![training curves](training-curves.svg)");
    expect(card).toContain("| time per epoch (mean) | 1.5 min |");
    expect(card).toContain("| validation accuracy, last epoch | 25.00 % |");
    expect(card).toContain("| RNN (tanh), hidden 8 | not trained here |");
    expect(card).toContain("| RNN (tanh), hidden 8, int8 | not measured |");
    // Reproduce retrains from scratch into a fresh folder; only --export-only names the model's.
    expect(card).toContain(
      "spikenode train --config models/configs/card-srnn.yaml --out out/card-srnn\n",
    );
    expect(card).not.toMatch(
      /spikenode train [^\n]*--out models\/card-srnn(?![^\n]*--export-only)/,
    );
    expect(card).toContain(
      "spikenode train --config models/configs/card-srnn.yaml --out models/card-srnn --export-only",
    );

    // Every figure comes from what the export measured.
    const prov = JSON.parse(readFileSync(join(srnn, "model.json"), "utf8")).provenance;
    expect(prov.layer_spikes_per_sample).toHaveLength(1);
    const [key, acc] = Object.entries(prov.accuracy as Record<string, number>)[0];
    expect(card).toContain(`| accuracy, ${key} | **${(100 * acc).toFixed(2)} %** |`);
    expect(card).toContain(`| ${(prov.firing_rate as number).toFixed(4)} |`);
    const c = compareSequenceEnergy(
      { steps: 28, inputSize: 28, hidden: [8], outputs: 10 },
      {
        layerSpikesPerSample: prov.layer_spikes_per_sample,
        inputMacsPerSample: prov.input_macs_per_sample,
      },
      new ProfileRegistry().get("cmos45-horowitz"),
    );
    // RNN of 28 → 8 → 10 per sample: 28·(8·(28+8) + 10·8) = 10 304 MACs + 280 readout leaks.
    expect(c.rnn.macs).toBe(10_584);
    const m = compareSequenceEnergy(
      { steps: 28, inputSize: 28, hidden: [8], outputs: 10 },
      {
        layerSpikesPerSample: prov.layer_spikes_per_sample,
        inputMacsPerSample: prov.input_macs_per_sample,
      },
      new ProfileRegistry().get("cmos45-memory-lemaire2022"),
    );
    const nJ = (e: number) => `${(e * 1e9).toFixed(2)} nJ`;
    // Both profiles' columns: the arithmetic energy and ratio, then the memory-aware ones.
    expect(card).toContain(`| ${nJ(c.snn.energy)} | 1× | ${nJ(m.snn.energy)} | 1× |`);
    expect(card).toContain(
      `${nJ(c.rnn.energy)} | ${c.ratio.rnn.toFixed(1)}× | ${nJ(m.rnn.energy)} | ${m.ratio.rnn.toFixed(1)}× |`,
    );
    expect(card).toContain(`${nJ(c.lstm.energy)} | ${c.ratio.lstm.toFixed(1)}× |`);
    const int8 = c.variants.find((v) => v.name === "int8 ANN")!;
    expect(card).toContain(`| ${nJ(int8.rnn.energy)} | ${int8.ratio.rnn.toFixed(1)}× |`);
    // Every ratio is said with its direction.
    expect(card).toMatch(
      /Under `cmos45-horowitz`: spiking costs [0-9.]+× (less|more) than the fp32 RNN/,
    );
    expect(card).toMatch(/Under `cmos45-memory-lemaire2022`: spiking costs [0-9.]+× (less|more)/);

    // A baseline of another size is left out; the same size joins the srnn's card.
    await finish(join(root, "card-rnn-wide"), tiny("rnn", [16]));
    await finish(join(root, "card-rnn"), tiny("rnn"));
    const lstmLines = await finish(join(root, "card-lstm"), tiny("lstm"));
    expect(lstmLines).toContain(`wrote the model card ${join(srnn, "README.md")}`);
    card = readFileSync(join(srnn, "README.md"), "utf8");
    const rnnAcc = Object.values(
      JSON.parse(readFileSync(join(root, "card-rnn", "baseline.json"), "utf8")).accuracy as Record<
        string,
        number
      >,
    )[0];
    expect(card).toMatch(
      new RegExp(
        `\\| RNN \\(tanh\\), hidden 8 \\| ${(100 * rnnAcc).toFixed(2)} % \\(\`models/card-rnn\`\\) \\|`,
      ),
    );
    expect(card).toContain("`models/card-lstm` (lstm)");
    expect(card).not.toContain("card-rnn-wide");
    expect(card).toContain(
      "spikenode train --config models/configs/card-rnn.yaml --out out/card-rnn\n",
    );
    expect(card).not.toMatch(/\/tmp|\/work|\/root/);
  }, 300_000);

  it("names what is missing or does not fit", () => {
    const dir = join(root, "broken", "two-layer");
    mkdirSync(dir, { recursive: true });
    cpSync(join(root, "card-srnn", "model.json"), join(dir, "model.json"));
    const model = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    model.provenance.input_macs_per_sample = "lots";
    writeFileSync(join(dir, "model.json"), JSON.stringify(model));
    expect(() => readSequenceCardData(dir)).toThrow(/input_macs_per_sample.*--export-only/);
    expect(() =>
      readSequenceCardData(join(root, "card-srnn"), { baselines: [join(root, "card-rnn-wide")] }),
    ).toThrow(/rnn \[16\].*compare networks of the same size/);
    expect(() => readSequenceCardData(join(root, "card-rnn"))).toThrow(/model\.json/);
    // Another profile changes the energies, not the counts.
    const flops = readSequenceCardData(join(root, "card-srnn"), {
      profile: new ProfileRegistry().get("hunsberger2016-flops"),
    });
    expect(sequenceCardMarkdown(flops)).toContain("FLOP |");
  });

  it("a spiking sibling of the same sizes that reads its input another way joins the table", () => {
    const dir = join(root, "siblings");
    const analog = join(dir, "card-srnn");
    const events = join(dir, "card-srnn-events");
    mkdirSync(dir, { recursive: true });
    cpSync(join(root, "card-srnn"), analog, { recursive: true });
    cpSync(join(root, "card-srnn"), events, { recursive: true });
    // The same network reading each pixel on 2 level-crossing lines: W_in is [8, 56], and its
    // measured input costs 100 accumulates instead of MACs.
    const model = JSON.parse(readFileSync(join(events, "model.json"), "utf8"));
    model.name = "card-srnn-events";
    model.input.encoder.spikes = { levels: 1, amplitude: 1 };
    model.layers.find((l: { type: string }) => l.type === "recurrent_dense").weights.shape = [
      8, 56,
    ];
    delete model.provenance.input_macs_per_sample;
    model.provenance.input_acs_per_sample = 100;
    model.provenance.input_events_per_sample = 12.5;
    writeFileSync(join(events, "model.json"), JSON.stringify(model));
    const card = sequenceCardMarkdown(readSequenceCardData(analog));
    expect(card).toContain("| SNN, spike-coded input (1 level) (`models/card-srnn-events`) |");
    expect(card).toMatch(
      /this model costs [0-9.]+× (less|more) than the spike-coded input \(1 level\) SNN/,
    );
    const back = sequenceCardMarkdown(readSequenceCardData(events));
    expect(back).toContain("56 → 8 R (ALIF)");
    expect(back).toContain("| SNN, analog input (`models/card-srnn`) |");
  });
});
