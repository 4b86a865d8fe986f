/**
 * The energy part of a sequence model card (card.ts): Yin et al.'s comparison of the spiking RNN
 * with a vanilla RNN and an LSTM of the same sizes, under the card's profile (arithmetic,
 * `cmos45-horowitz` by default) and under the memory-aware profile, each conventional network
 * also at int8 (the profile's annVariants, Dampfhoffer et al. 2023), with every sibling spiking
 * model of the same sizes that reads its input another way (e.g. analog rows beside spike-coded
 * rows) as a further row. Every ratio is said in words, with its direction.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  ProfileRegistry,
  compareSequenceEnergy,
  ratioPhrase,
  type HardwareProfile,
  type NetworkEnergy,
  type RecurrentShape,
  type SequenceEnergyComparison,
  type SpikingMeasurement,
} from "../../power/index.js";

/** The profile whose memory accesses are counted beside the card's arithmetic one. */
export const MEMORY_PROFILE = "cmos45-memory-lemaire2022";

/** Another spiking model of the same sizes, compared row by row. */
export interface SiblingSnn {
  dir: string;
  name: string;
  /** How it reads its input, for the row label: "analog input", "spike-coded input". */
  input: string;
  accuracy: number | null;
  measurement: SpikingMeasurement;
}

/** The figures the energy section needs (a part of SequenceCardData). */
export interface EnergyCardData {
  shape: RecurrentShape;
  measurement: SpikingMeasurement;
  /** This model's input, as SiblingSnn.input. */
  input: string;
  accuracy: number | null;
  /** Baselines' accuracy text by kind ("88.01 % (`models/x`)"), "not trained here" if none. */
  baselineAccuracy: { rnn: string; lstm: string };
  inputLines: number;
  siblings: SiblingSnn[];
}

/** What a srnn export's model.json says about its sizes and its measured activity. */
export interface SrnnExportFacts {
  shape: RecurrentShape;
  measurement: SpikingMeasurement;
  input: string;
  inputLines: number;
  accuracy: number | null;
  dataset: string;
}

/**
 * Read the sizes and measured activity from a srnn export's model.json (parsed). Returns null
 * when it is not an srnn export or lacks the measurements (older exports).
 */
export function srnnExportFacts(model: Record<string, unknown>): SrnnExportFacts | null {
  const prov = (model.provenance ?? {}) as Record<string, unknown>;
  const training = (prov.training ?? {}) as Record<string, unknown>;
  if (training.kind !== "srnn" || !Array.isArray(model.layers)) return null;
  const layers = model.layers as { type: string; weights?: { shape: number[] } }[];
  const recurrent = layers.filter((l) => l.type === "recurrent_dense");
  if (recurrent.length === 0) return null;
  const hidden = recurrent.map((l) => l.weights!.shape[0]);
  const labels = model.labels as string[];
  const presentation = model.presentation as { timesteps: number };
  // Spike-coded input sends each value on 2·levels event lines; the RNN and LSTM it is compared
  // with read the values themselves (as the baselines trained here do), so their input size is
  // the values per step, not the event lines (which would inflate their cost).
  const encoder = (
    (model.input ?? {}) as { encoder?: { type?: string; spikes?: { levels: number } } }
  ).encoder;
  const linesPerValue = encoder?.spikes ? 2 * encoder.spikes.levels : 1;
  const inputLines = recurrent[0].weights!.shape[1];
  const shape: RecurrentShape = {
    // A stream model presents a few ticks per frame; its training samples were whole clips.
    steps:
      typeof prov.steps_per_sample === "number" ? prov.steps_per_sample : presentation.timesteps,
    inputSize: inputLines / linesPerValue,
    hidden,
    outputs: labels.length,
  };
  let layerSpikes = prov.layer_spikes_per_sample as number[] | undefined;
  if (
    !Array.isArray(layerSpikes) &&
    hidden.length === 1 &&
    typeof prov.spikes_per_sample === "number"
  )
    layerSpikes = [prov.spikes_per_sample];
  if (!Array.isArray(layerSpikes) || layerSpikes.length !== hidden.length) return null;
  const events = typeof prov.input_acs_per_sample === "number";
  const measurement: SpikingMeasurement = events
    ? {
        layerSpikesPerSample: layerSpikes,
        inputAcsPerSample: prov.input_acs_per_sample as number,
        inputLines,
      }
    : typeof prov.input_macs_per_sample === "number"
      ? { layerSpikesPerSample: layerSpikes, inputMacsPerSample: prov.input_macs_per_sample }
      : { layerSpikesPerSample: layerSpikes };
  const acc = Object.values((prov.accuracy ?? {}) as Record<string, number>)[0];
  const input = encoder?.spikes
    ? `spike-coded input (${encoder.spikes.levels} level${encoder.spikes.levels === 1 ? "" : "s"})`
    : encoder?.type === "delta" || encoder?.type === "events"
      ? "event input"
      : "analog input";
  return {
    shape,
    measurement,
    input,
    inputLines,
    accuracy: typeof acc === "number" ? acc : null,
    dataset: String(prov.dataset ?? "?"),
  };
}

const sameShape = (a: RecurrentShape, b: RecurrentShape) =>
  a.steps === b.steps &&
  a.inputSize === b.inputSize &&
  a.outputs === b.outputs &&
  a.hidden.length === b.hidden.length &&
  a.hidden.every((h, i) => h === b.hidden[i]);

/** Spiking models beside `dir` (same parent) of the same sizes and dataset, another input. */
export function siblingSnns(dir: string, facts: SrnnExportFacts): SiblingSnn[] {
  const parent = dirname(dir);
  const found: SiblingSnn[] = [];
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    const sibling = join(parent, entry.name);
    if (!entry.isDirectory() || sibling === dir || !existsSync(join(sibling, "model.json")))
      continue;
    let model: Record<string, unknown>;
    try {
      model = JSON.parse(readFileSync(join(sibling, "model.json"), "utf8")) as Record<
        string,
        unknown
      >;
    } catch {
      continue; // not ours to judge here: the sibling's own card reports its broken file
    }
    const f = srnnExportFacts(model);
    if (!f || f.dataset !== facts.dataset || f.input === facts.input) continue;
    if (!sameShape(f.shape, facts.shape)) continue;
    found.push({
      dir: sibling,
      name: String(model.name ?? basename(sibling)),
      input: f.input,
      accuracy: f.accuracy,
      measurement: f.measurement,
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const int = (x: number) => Math.round(x).toLocaleString("en-US");
const energyText = (e: number, unit: string) =>
  unit === "J" ? `${(e * 1e9).toFixed(2)} nJ` : `${int(e)} FLOP`;
export const ratioText = (r: number) => (Number.isFinite(r) ? `${r.toFixed(1)}×` : "∞");

export function profileLine(p: HardwareProfile): string {
  const f = (x: number) => (p.unit === "J" ? `${+(x * 1e12).toFixed(3)} pJ` : `${x} FLOP`);
  return `MAC ${f(p.annMac)}, accumulate ${f(p.synapticOp)}, activation ${f(p.annNeuron ?? 0)}`;
}

interface Row {
  label: string;
  accuracy: string;
  ops: NetworkEnergy;
  /** Energy per profile, in the order of the comparisons. */
  energies: number[];
}

/** One comparison per profile for this model, and each sibling's SNN energy per profile. */
function compare(data: EnergyCardData, profiles: HardwareProfile[]) {
  const own = profiles.map((p) => compareSequenceEnergy(data.shape, data.measurement, p));
  const siblings = data.siblings.map((s) => ({
    sibling: s,
    energies: profiles.map((p) => compareSequenceEnergy(data.shape, s.measurement, p).snn),
  }));
  return { own, siblings };
}

/**
 * The card's energy section. `profile` is the arithmetic profile the card is written for; the
 * memory-aware profile joins it as further columns unless it is the same one.
 */
export function energySection(data: EnergyCardData, profile: HardwareProfile): string[] {
  const registry = new ProfileRegistry();
  const profiles = [profile];
  if (profile.name !== MEMORY_PROFILE && registry.names().includes(MEMORY_PROFILE))
    profiles.push(registry.get(MEMORY_PROFILE));
  const { own, siblings } = compare(data, profiles);
  const c = own[0];
  const { shape } = data;
  const hiddenText = shape.hidden.join("-");
  const rows: Row[] = [
    {
      label: "SNN (this model)",
      accuracy: data.accuracy === null ? "?" : pct(data.accuracy),
      ops: c.snn,
      energies: own.map((x) => x.snn.energy),
    },
    ...siblings.map((s) => ({
      label: `SNN, ${s.sibling.input} (\`models/${basename(s.sibling.dir)}\`)`,
      accuracy: s.sibling.accuracy === null ? "?" : pct(s.sibling.accuracy),
      ops: s.energies[0],
      energies: s.energies.map((e) => e.energy),
    })),
    {
      label: `RNN (tanh), hidden ${hiddenText}`,
      accuracy: data.baselineAccuracy.rnn,
      ops: c.rnn,
      energies: own.map((x) => x.rnn.energy),
    },
  ];
  const variantRows = (kind: "rnn" | "lstm", label: string): Row[] =>
    c.variants.map((v, i) => ({
      label: `${label}, ${v.name.replace(/ ANN$/, "")}`,
      accuracy: "not measured",
      ops: v[kind],
      energies: own.map((x) => x.variants[i]?.[kind].energy ?? NaN),
    }));
  rows.push(...variantRows("rnn", `RNN (tanh), hidden ${hiddenText}`));
  rows.push({
    label: `LSTM, hidden ${hiddenText}`,
    accuracy: data.baselineAccuracy.lstm,
    ops: c.lstm,
    energies: own.map((x) => x.lstm.energy),
  });
  rows.push(...variantRows("lstm", `LSTM, hidden ${hiddenText}`));
  const snnEnergies = rows[0].energies;
  const header = ["network", "test accuracy", "MACs", "accumulates", "activations"];
  for (const x of own) header.push(`energy, \`${x.profile}\``, "ratio to SNN");
  const L: string[] = [];
  L.push("## Energy: Yin's comparison", "");
  L.push(
    `Per sample (${shape.steps} steps), the SNN's operations from its measured spikes against a vanilla RNN and an LSTM of the same sizes, under \`${c.profile}\` (${profileLine(profile)}, arithmetic only)${own[1] ? ` and under \`${own[1].profile}\` (the same arithmetic plus every weight, membrane, state and input access, Lemaire et al. 2022 with Horowitz's SRAM figures by array size)` : ""}. The conventional networks appear again at int8 (Dampfhoffer et al. 2023: 0.23 pJ per MAC, 8-bit weights and activations), whose accuracy was not measured here:`,
    "",
  );
  L.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`);
  for (const r of rows) {
    const cells = [r.label, r.accuracy, int(r.ops.macs), int(r.ops.acs), int(r.ops.activations)];
    r.energies.forEach((e, k) => {
      cells.push(energyText(e, own[k].unit), r === rows[0] ? "1×" : ratioText(e / snnEnergies[k]));
    });
    L.push(`| ${cells.join(" | ")} |`);
  }
  L.push("", `("ratio to SNN" is that network's energy ÷ this SNN's under the column's profile.)`);
  for (const x of own)
    L.push("", `Under \`${x.profile}\`: ${phrases(x, siblings, own.indexOf(x))}.`);
  const p = c.snn.parts;
  const inputPart =
    p.inputAcs > 0 || p.inputMacs === 0
      ? `${int(p.inputAcs)} input accumulates (each measured input event into its ${shape.hidden[0]} first-layer neurons) + ${int(p.stateMacs)}`
      : `${int(p.inputMacs)} input MACs (analog inputs into the first layer, dense bound) + ${int(p.stateMacs)}`;
  L.push(
    "",
    `What each operation is. SNN: ${inputPart} state MACs (per step ${c.counting.alifStateMacs} per ALIF neuron: membrane leak and adaptation decay; ${c.counting.readoutStateMacs} per readout neuron: its leak) and ${int(p.recurrentAcs)} recurrent + ${int(p.feedForwardAcs)} feed-forward accumulates (each measured spike times its fan-out). RNN: W_in·x + W_rec·h of every layer and the readout each step (MACs), one tanh per hidden neuron. LSTM: four gates' MACs, 3 elementwise MACs and 5 activations per hidden neuron per step. All pay the same readout leak. Why they differ: the SNN's input and hidden activity are spikes, so each costs an accumulate only where a spike (or input event) occurs, while the RNN and LSTM multiply every weight every step.${data.inputLines !== shape.inputSize ? ` Under the memory-aware profile the SNN's input weights are ${int(data.inputLines)} event lines × ${shape.hidden[0]}, a larger array (and bank) than the ${shape.inputSize} × ${shape.hidden[0]} the conventional networks read.` : ""} The pJ pair Yin et al. used is not confirmed (see the reference notes), so read the ratios as under these profiles, not as the paper's; src/power/README.md gives every term and its source.`,
  );
  return L;
}

function phrases(
  x: SequenceEnergyComparison,
  siblings: { sibling: SiblingSnn; energies: NetworkEnergy[] }[],
  k: number,
): string {
  const parts = [
    ratioPhrase(x.ratio.rnn, "the fp32 RNN"),
    ratioPhrase(x.ratio.lstm, "the fp32 LSTM").replace(/^spiking /, ""),
    ...x.variants.flatMap((v) => {
      const w = v.name.replace(/ ANN$/, "");
      return [
        ratioPhrase(v.ratio.rnn, `the ${w} RNN`).replace(/^spiking /, ""),
        ratioPhrase(v.ratio.lstm, `the ${w} LSTM`).replace(/^spiking /, ""),
      ];
    }),
  ];
  for (const s of siblings) {
    const r = s.energies[k].energy / x.snn.energy;
    parts.push(
      `this model ${ratioPhrase(r, `the ${s.sibling.input} SNN (\`models/${basename(s.sibling.dir)}\`)`).replace(/^spiking /, "")}`,
    );
  }
  return parts.join(", ");
}
