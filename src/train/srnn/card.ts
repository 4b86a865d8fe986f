/**
 * The model card of an adaptive spiking RNN (Yin, Corradi & Bohté): models/<name>/README.md,
 * written from what the run measured and nothing typed in: model.json (architecture and
 * provenance: test accuracy, firing rate, spikes per layer), training.json (epochs, seconds),
 * eval-test.json when `spikenode eval --out` wrote one, and the baselines' baseline.json.
 *
 * Baselines: the directories given, or else every sibling directory (beside the model's) whose
 * baseline.json describes an RNN or LSTM of the same steps, input size, hidden sizes and classes.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  ProfileRegistry,
  compareSequenceEnergy,
  type HardwareProfile,
  type RecurrentShape,
  type SequenceEnergyComparison,
  type SpikingMeasurement,
} from "../../power/index.js";
import { readSweep, shippedStrength, sweepReproduce, sweepResults } from "./card-sweep.js";
import type { SweepReport } from "./penalty-sweep.js";
import {
  energySection,
  ratioText,
  siblingSnns,
  srnnExportFacts,
  type SiblingSnn,
} from "./card-energy.js";

export interface SequenceCardOptions {
  /** Baseline run directories (each with baseline.json); default: matching sibling directories. */
  baselines?: string[];
  /** Energy profile of the comparison (default cmos45-horowitz). */
  profile?: HardwareProfile;
  /** The training config as the reproduce commands name it (default models/configs/<name>.yaml). */
  configPath?: string;
}

/** What a baseline run wrote (src/train/srnn/export-srnn.ts baselineSummary). */
export interface BaselineSummary {
  dir: string;
  name: string;
  kind: string;
  hidden: number[];
  steps: number;
  input_size: number;
  classes: number;
  parameters: number;
  macs_per_sample: number;
  accuracy: Record<string, number>;
  epochs?: number;
}

/** The figures a card shows, gathered from the model directory. */
export interface SequenceCardData {
  name: string;
  description?: string;
  dataset: string;
  shape: RecurrentShape;
  encoding: unknown;
  alif: Record<string, unknown>;
  readout: Record<string, unknown>;
  parameters: number;
  accuracy: [string, number][];
  firingRate: number;
  layerSpikesPerSample: number[];
  /** Analog input MACs per sample, or null when the input is events (inputAcsPerSample). */
  inputMacsPerSample: number | null;
  /** Input lines of the first layer (event lines under spike-coded input, else shape.inputSize). */
  inputLines: number;
  /** Event input: measured events per sample and the accumulates they drive. */
  inputEventsPerSample?: number;
  inputAcsPerSample?: number;
  epochs: number;
  secondsPerEpoch: number | null;
  finalValAccuracy: number | null;
  checkpoint?: Record<string, unknown>;
  /** Batches the checkpoint had trained (its Adam step count: one step per batch). */
  batchesTrained: number | null;
  engineEval?: { images: number; split: string; accuracy: number; spikesPerNeuronPerStep: number };
  /** A stream model's `spikenode eval --dataset moving-fashion-mnist` reports, by presentation. */
  streamEvals: StreamEval[];
  comparison: SequenceEnergyComparison;
  /** What the comparison was computed from (measured spikes, input operations). */
  measurement: SpikingMeasurement;
  /** How this model reads its input ("analog input", "spike-coded input (4 levels)"). */
  input: string;
  profile: HardwareProfile;
  baselines: BaselineSummary[];
  /** Spiking models of the same sizes beside it that read their input another way. */
  siblings: SiblingSnn[];
  figures: { tau: boolean; curves: boolean };
  /** penalty-sweep.json when the directory has one, and the shipped run's strength. */
  sweep: SweepReport | null;
  sweepShipped: number | null;
}

/** The figures of src/train/moving-eval.ts's report the card shows. */
export interface StreamEval {
  file: string;
  clips: number;
  framesPerClip: number;
  ticksPerFrame: number;
  presentation: string;
  frameAccuracy: number;
  clipAccuracy: number;
  accuracyByFrame: number[];
  spikesPerNeuronPerStep: number;
  synopsPerFrame: number;
  inputOpsPerFrame: number;
  rnnMacsPerFrame: number;
}

function readStreamEval(path: string): StreamEval | null {
  const ev = readJson(path);
  if (typeof ev.frameAccuracy !== "number") return null;
  for (const key of [
    "clips",
    "framesPerClip",
    "ticksPerFrame",
    "clipAccuracy",
    "spikesPerNeuronPerStep",
    "synopsPerFrame",
    "inputOpsPerFrame",
    "rnnMacsPerFrame",
  ])
    num(ev, key, path);
  return { ...(ev as unknown as StreamEval), file: basename(path) };
}

class CardError extends Error {
  readonly userFacing = true;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new CardError(`${path}: cannot read it as JSON (${(error as Error).message})`);
  }
}

function num(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new CardError(
      `${where}: "${key}" is ${JSON.stringify(v)}, not a number; re-export the run (spikenode train --config <config> --out <dir> --export-only) to measure it`,
    );
  }
  return v;
}

const sameList = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

function readBaseline(dir: string): BaselineSummary {
  const path = join(dir, "baseline.json");
  const b = readJson(path);
  for (const key of ["steps", "input_size", "classes", "parameters", "macs_per_sample"])
    num(b, key, path);
  if (!Array.isArray(b.hidden) || typeof b.kind !== "string" || typeof b.accuracy !== "object") {
    throw new CardError(`${path}: needs kind, hidden and accuracy (written by a rnn/lstm run)`);
  }
  return { ...(b as unknown as BaselineSummary), dir };
}

function matches(b: BaselineSummary, shape: RecurrentShape): boolean {
  return (
    b.steps === shape.steps &&
    b.input_size === shape.inputSize &&
    b.classes === shape.outputs &&
    sameList(b.hidden, shape.hidden)
  );
}

function siblingBaselines(dir: string, shape: RecurrentShape): BaselineSummary[] {
  const parent = dirname(dir);
  const found: BaselineSummary[] = [];
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    const sibling = join(parent, entry.name);
    if (!entry.isDirectory() || sibling === dir || !existsSync(join(sibling, "baseline.json")))
      continue;
    const b = readBaseline(sibling);
    if (matches(b, shape)) found.push(b);
  }
  return found.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

function checkpointBatches(dir: string): number | null {
  const path = join(dir, "checkpoint", "checkpoint.json");
  if (!existsSync(path)) return null;
  const step = readJson(path).adamStep;
  return typeof step === "number" ? step : null;
}

/** Gather the card's figures from a model directory (model.json, training.json, ...). */
export function readSequenceCardData(
  dir: string,
  options: SequenceCardOptions = {},
): SequenceCardData {
  const modelPath = join(dir, "model.json");
  const model = readJson(modelPath);
  const prov = (model.provenance ?? {}) as Record<string, unknown>;
  const training = (prov.training ?? {}) as Record<string, unknown>;
  if (training.kind !== "srnn") {
    throw new CardError(
      `${modelPath}: provenance.training.kind is ${JSON.stringify(training.kind)}; sequence cards are for srnn exports`,
    );
  }
  const layers = model.layers as { type: string; weights?: { shape: number[] } }[];
  const recurrent = layers.filter((l) => l.type === "recurrent_dense");
  const hidden = recurrent.map((l) => l.weights!.shape[0]);
  const labels = model.labels as string[];
  const presentation = model.presentation as { timesteps: number };
  const encoder = ((model.input ?? {}) as { encoder?: { spikes?: { levels: number } } }).encoder;
  const linesPerValue = encoder?.spikes ? 2 * encoder.spikes.levels : 1;
  // The same sizes as card-energy.ts's srnnExportFacts reads (which the siblings go through).
  const shape: RecurrentShape = {
    steps:
      typeof prov.steps_per_sample === "number" ? prov.steps_per_sample : presentation.timesteps,
    inputSize: recurrent[0].weights!.shape[1] / linesPerValue,
    hidden,
    outputs: labels.length,
  };
  const where = `${modelPath} provenance`;
  let layerSpikes = prov.layer_spikes_per_sample as number[] | undefined;
  if (!Array.isArray(layerSpikes) && hidden.length === 1) {
    layerSpikes = [num(prov, "spikes_per_sample", where)];
  }
  if (!Array.isArray(layerSpikes) || layerSpikes.length !== hidden.length) {
    throw new CardError(
      `${where}: layer_spikes_per_sample is missing or not one count per hidden layer; re-export the run (spikenode train --config <config> --out ${dir} --export-only)`,
    );
  }
  const events = "input_acs_per_sample" in prov;
  const inputMacsPerSample = events ? null : num(prov, "input_macs_per_sample", where);
  const inputAcsPerSample = events ? num(prov, "input_acs_per_sample", where) : undefined;
  const inputEventsPerSample = events ? num(prov, "input_events_per_sample", where) : undefined;
  const profile = options.profile ?? new ProfileRegistry().get("cmos45-horowitz");
  const measurement: SpikingMeasurement = events
    ? {
        layerSpikesPerSample: layerSpikes,
        inputAcsPerSample,
        inputLines: recurrent[0].weights!.shape[1],
      }
    : { layerSpikesPerSample: layerSpikes, inputMacsPerSample: inputMacsPerSample! };
  const comparison = compareSequenceEnergy(shape, measurement, profile);
  const facts = srnnExportFacts(model);
  const history = existsSync(join(dir, "training.json"))
    ? ((readJson(join(dir, "training.json")).history ?? []) as Record<string, unknown>[])
    : [];
  const seconds = history.map((h) => Number(h.seconds)).filter((s) => Number.isFinite(s));
  const lastVal = history.at(-1)?.valAccuracy;
  let engineEval: SequenceCardData["engineEval"];
  const streamEvals = ["eval-test.json", "eval-clip.json"]
    .filter((f) => existsSync(join(dir, f)))
    .map((f) => readStreamEval(join(dir, f)))
    .filter((e): e is StreamEval => e !== null);
  if (existsSync(join(dir, "eval-test.json")) && streamEvals.length === 0) {
    const ev = readJson(join(dir, "eval-test.json"));
    const s = ev.spiking as Record<string, unknown> | null;
    if (s && typeof s.accuracy === "number" && typeof s.spikesPerNeuronPerStep === "number") {
      engineEval = {
        images: Number(ev.images),
        split: String(ev.split),
        accuracy: s.accuracy,
        spikesPerNeuronPerStep: s.spikesPerNeuronPerStep,
      };
    }
  }
  const baselines = options.baselines
    ? options.baselines.map((d) => {
        const b = readBaseline(d);
        if (!matches(b, shape)) {
          throw new CardError(
            `${join(d, "baseline.json")}: ${b.kind} [${b.hidden.join(", ")}] on ${b.steps} steps of ${b.input_size} is not the size of ${String(model.name)} ([${hidden.join(", ")}] on ${shape.steps} of ${shape.inputSize}); compare networks of the same size`,
          );
        }
        return b;
      })
    : siblingBaselines(dir, shape);
  let parameters = 0;
  let nIn = recurrent[0].weights!.shape[1];
  for (const h of hidden) {
    parameters += nIn * h + h * h + 3 * h; // W_in, W_rec, bias, tau_m, tau_adp
    nIn = h;
  }
  parameters += nIn * shape.outputs + shape.outputs;
  return {
    name: String(model.name),
    description: typeof model.description === "string" ? model.description : undefined,
    dataset: String(prov.dataset ?? "?"),
    shape,
    encoding: training.encoding,
    alif: (training.alif ?? {}) as Record<string, unknown>,
    readout: (training.readout ?? {}) as Record<string, unknown>,
    parameters,
    accuracy: Object.entries((prov.accuracy ?? {}) as Record<string, number>),
    firingRate: num(prov, "firing_rate", where),
    layerSpikesPerSample: layerSpikes,
    inputMacsPerSample,
    inputLines: recurrent[0].weights!.shape[1],
    ...(events ? { inputEventsPerSample, inputAcsPerSample } : {}),
    epochs: history.length,
    secondsPerEpoch: seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : null,
    finalValAccuracy: typeof lastVal === "number" ? lastVal : null,
    checkpoint: prov.checkpoint as Record<string, unknown> | undefined,
    batchesTrained: checkpointBatches(dir),
    engineEval,
    streamEvals,
    comparison,
    measurement,
    input: facts?.input ?? "analog input",
    profile,
    baselines,
    siblings: facts ? siblingSnns(dir, facts) : [],
    figures: {
      tau: existsSync(join(dir, "tau-distributions.svg")),
      curves: existsSync(join(dir, "training-curves.svg")),
    },
    sweep: readSweep(dir),
    sweepShipped: shippedStrength(dir),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const int = (x: number) => Math.round(x).toLocaleString("en-US");
function firstAccuracy(acc: Record<string, number>): string {
  const [key, value] = Object.entries(acc)[0] ?? [];
  return key === undefined ? "not measured" : `${pct(value)} (${key})`;
}

/** The card as Markdown. */
export function sequenceCardMarkdown(
  data: SequenceCardData,
  options: SequenceCardOptions = {},
): string {
  const { shape } = data;
  const dir = `models/${data.name}`;
  const config = options.configPath ?? `models/configs/${data.name}.yaml`;
  const arch = [
    `${data.inputLines}`,
    ...shape.hidden.map((h) => `${h} R (ALIF)`),
    `${shape.outputs} (leaky readout)`,
  ].join(" → ");
  const byKind = (kind: string) => data.baselines.filter((b) => b.kind === kind);
  const accOf = (kind: string) =>
    byKind(kind)
      .map((b) => {
        const acc = Object.values(b.accuracy)[0];
        return `${acc === undefined ? "?" : pct(acc)} (\`models/${basename(b.dir)}\`)`;
      })
      .join("; ") || "not trained here";
  const L: string[] = [];
  L.push(`# ${data.name}`, "");
  L.push(
    `An adaptive spiking recurrent network (SRNN) after Yin, Corradi & Bohté ("Accurate and efficient time-domain classification with adaptive spiking recurrent neural networks", Nature Machine Intelligence 2021, arXiv:2103.12593): recurrent layers of adaptive LIF (ALIF) neurons, each neuron with its own learned membrane and adaptation time constants, trained by backpropagation through time with a surrogate gradient, then exported to spikenode's model format and run by its engine.`,
  );
  if (data.description) L.push("", data.description);
  L.push("", "## Architecture", "");
  L.push(`- ${arch}; ${int(data.parameters)} trainable parameters (τ_m and τ_adp included).`);
  L.push(
    data.inputAcsPerSample !== undefined
      ? `- ${data.dataset}, samples of ${shape.steps} steps of ${int(data.inputLines)} event inputs${data.inputLines !== shape.inputSize ? ` (${shape.inputSize} pixels per step, each on ${data.inputLines / shape.inputSize} level-crossing ON/OFF lines)` : ""} (on average ${int(data.inputEventsPerSample ?? 0)} nonzero events per sample); input ${JSON.stringify(data.encoding)}.`
      : `- ${data.dataset}, ${shape.steps} steps of ${shape.inputSize} analog inputs per sample; encoding ${JSON.stringify(data.encoding)}.`,
  );
  L.push(`- ALIF ${JSON.stringify(data.alif)}; readout ${JSON.stringify(data.readout)}.`);
  L.push("", "## Results", "");
  L.push("| figure | value |", "|---|---|");
  for (const [key, value] of data.accuracy) L.push(`| accuracy, ${key} | **${pct(value)}** |`);
  L.push(
    `| firing rate (test set, spikes per hidden neuron per step) | ${data.firingRate.toFixed(4)} |`,
  );
  L.push(
    `| spikes per sample, by hidden layer | ${data.layerSpikesPerSample.map(int).join(", ")} |`,
  );
  if (data.engineEval) {
    const e = data.engineEval;
    L.push(
      `| engine (\`spikenode eval\`), ${e.split} ${int(e.images)} images: accuracy | ${pct(e.accuracy)} |`,
    );
    L.push(
      `| engine: spikes per neuron per step (all layers) | ${e.spikesPerNeuronPerStep.toFixed(4)} |`,
    );
  }
  for (const e of data.streamEvals) {
    const how =
      e.presentation === "clip" ? "stream cleared at each clip start" : `${e.presentation} stream`;
    L.push(
      `| engine (\`spikenode eval\`, ${how}, ${int(e.clips)} test clips): per-frame accuracy, frames 1-${e.framesPerClip - 1} | ${pct(e.frameAccuracy)} |`,
    );
    L.push(
      `| engine, ${how}: per-clip accuracy (decision at the last frame) | ${pct(e.clipAccuracy)} |`,
    );
    L.push(
      `| engine, ${how}: spikes per neuron per step | ${e.spikesPerNeuronPerStep.toFixed(4)} |`,
    );
  }
  L.push(`| epochs | ${data.epochs} |`);
  if (data.secondsPerEpoch !== null)
    L.push(`| time per epoch (mean) | ${(data.secondsPerEpoch / 60).toFixed(1)} min |`);
  if (data.finalValAccuracy !== null)
    L.push(`| validation accuracy, last epoch | ${pct(data.finalValAccuracy)} |`);
  if (data.checkpoint)
    L.push(
      "",
      `Exported from a checkpoint, not a finished run: ${JSON.stringify(data.checkpoint)}.`,
    );
  L.push(
    "",
    ...energySection(
      {
        shape,
        measurement: data.measurement,
        input: data.input,
        accuracy: data.accuracy[0] ? data.accuracy[0][1] : null,
        baselineAccuracy: { rnn: accOf("rnn"), lstm: accOf("lstm") },
        inputLines: data.inputLines,
        siblings: data.siblings,
      },
      data.profile,
    ),
  );
  for (const e of data.streamEvals.filter((x) => x.presentation !== "clip")) {
    L.push(
      "",
      `In the ${e.presentation} stream (engine, ${int(e.clips)} test clips, ${e.ticksPerFrame} ticks per frame): ${int(e.synopsPerFrame)} synaptic operations per frame, ${int(e.inputOpsPerFrame)} of them driven by input events, against ${int(e.rnnMacsPerFrame)} multiply-accumulates for the same network stepped as a conventional RNN every tick (${ratioText(e.rnnMacsPerFrame / Math.max(e.synopsPerFrame, 1))} as many operations).`,
    );
  }
  const baseLines = data.baselines.map(
    (b) =>
      `- \`models/${basename(b.dir)}\` (${b.kind}): ${firstAccuracy(b.accuracy)}, ${int(b.parameters)} parameters, ${int(b.macs_per_sample)} synaptic MACs per sample (its baseline.json).`,
  );
  if (baseLines.length)
    L.push(
      "",
      data.inputLines !== shape.inputSize
        ? "Baselines trained by the same code on the same images, reading the pixels of each row as analog inputs (not the events):"
        : "Baselines trained by the same code on the same sequences:",
      "",
      ...baseLines,
    );
  const { sweep } = data;
  if (sweep) L.push("", ...sweepResults(sweep, data.sweepShipped));
  L.push("", "## Figures", "");
  if (data.figures.tau) {
    L.push(
      "Learned time constants τ_m and τ_adp per hidden layer (dashed: initial):",
      "",
      "![time constants](tau-distributions.svg)",
      "",
    );
  }
  if (data.figures.curves)
    L.push("Training curves:", "", "![training curves](training-curves.svg)", "");
  for (const e of data.streamEvals) {
    L.push(
      `Engine accuracy by frame position in a clip (${e.presentation}, \`${e.file}\`): ${e.accuracyByFrame.map((a, f) => `${f}: ${(100 * a).toFixed(1)} %`).join(", ")}.`,
      "",
    );
  }
  // Commands that retrain from scratch into a fresh out/ folder: the shipped folder holds a
  // finished checkpoint, so training into it would resume it and retrain nothing.
  const fresh = `out/${data.name}`;
  L.push("## Reproduce", "");
  L.push(
    "From a checkout (`npx tsx src/cli/main.ts` in place of `spikenode`). Training goes to a fresh folder under `out/` (git-ignored): the model directory holds a finished checkpoint, so training into it would only resume it and retrain nothing.",
    "",
    "```sh",
  );
  L.push(
    `# train from scratch (writes model.json, weights.bin, training.json, the figures and a card)`,
  );
  if (data.checkpoint && data.batchesTrained !== null) {
    L.push(
      `# the shipped model stopped mid-run: train the same ${int(data.batchesTrained)} batches (seeded, so the same weights), then export`,
    );
    L.push(
      `spikenode train --config ${config} --out ${fresh} --max-batches ${data.batchesTrained}`,
    );
    L.push(`spikenode train --config ${config} --out ${fresh} --export-only`);
    L.push(`# or go on to the config's last epoch from there`);
    L.push(`spikenode train --config ${config} --out ${fresh} --resume`);
  } else L.push(`spikenode train --config ${config} --out ${fresh}`);
  for (const b of data.baselines) {
    L.push(`# ${b.kind} baseline (baseline.json); beside ${fresh}, so its card compares with it`);
    L.push(`spikenode train --config models/configs/${b.name}.yaml --out out/${b.name}`);
  }
  L.push(
    `# the engine's own accuracy and firing rate (the card shows eval-test.json when present)`,
  );
  L.push(
    `spikenode eval --model ${fresh} --dataset ${data.dataset} --json --out ${fresh}/eval-test.json`,
  );
  if (data.dataset === "moving-fashion-mnist") {
    L.push(
      `# the same cleared at each clip start (a diagnostic: a camera stream has no cuts to reset at)`,
    );
    L.push(
      `spikenode eval --model ${fresh} --dataset moving-fashion-mnist --presentation clip --json --out ${fresh}/eval-clip.json`,
    );
    L.push(`# replay the sample camera bag through the model, one classification per frame`);
    L.push(
      `spikenode replay samples/moving-fashion-camera --model ${fresh} --out "$(mktemp -d)/moving-replay"`,
    );
  }
  L.push(
    `# the shipped model, re-measured and rewritten from its checkpoint without training (same weights, same files)`,
  );
  L.push(`spikenode train --config ${config} --out ${dir} --export-only`);
  L.push(`# redraw its training curves from training.json alone`);
  L.push(`npx tsx src/train/redraw-curves.ts ${dir}`);
  if (sweep) L.push(...sweepReproduce(sweep, config, dir));
  L.push("```", "");
  return L.join("\n");
}

/** Write <dir>/README.md; returns its path. */
export function writeSequenceCard(dir: string, options: SequenceCardOptions = {}): string {
  const path = join(dir, "README.md");
  writeFileSync(path, sequenceCardMarkdown(readSequenceCardData(dir, options), options));
  return path;
}

/**
 * After a baseline run: rewrite the cards of sibling srnn models of the same size so their
 * tables include it. Returns the cards written.
 */
export function refreshSiblingCards(baselineDir: string): string[] {
  const parent = dirname(baselineDir);
  const b = readBaseline(baselineDir);
  const written: string[] = [];
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    const dir = join(parent, entry.name);
    if (!entry.isDirectory() || !existsSync(join(dir, "model.json"))) continue;
    const model = readJson(join(dir, "model.json"));
    const training = ((model.provenance ?? {}) as Record<string, unknown>).training as
      Record<string, unknown> | undefined;
    if (training?.kind !== "srnn") continue;
    const data = readSequenceCardData(dir);
    if (matches(b, data.shape)) written.push(writeSequenceCard(dir));
  }
  return written;
}
