/**
 * Export of a trained adaptive spiking RNN into our model format: each hidden layer a
 * `recurrent_dense` layer of ALIF neurons (per-neuron τ_m, τ_adp in seconds = τ_steps·dt),
 * then a `dense` leaky-integrator readout whose mean membrane over the window
 * [readout.start, T) is the class score, exactly the decision training measured. Layouts change
 * from TF.js's kernels [in, out] to ours [out, in]. The RNN/LSTM baselines are not exported;
 * their figures go to baseline.json (see baselineSummary).
 */
import type { Encoder, Layer, ModelSpecInput } from "../../snn/model-spec.js";
import { parseModel } from "../../snn/model.js";
import { WeightsWriter } from "../../snn/weights-writer.js";
import type { EpochRecord } from "../checkpoint.js";
import { lineChartSvg, type Series } from "../plot.js";
import type { SequenceTrainConfig } from "./config.js";
import { initSequenceParams, macsPerStep, type SequencePlan } from "./recurrent-net.js";
import { sequenceEncoderSpec } from "./sequences.js";

export interface SequenceExportOptions {
  config: SequenceTrainConfig;
  plan: SequencePlan;
  params: Float32Array[];
  labels: string[];
  /** [C, H, W] of the images the encoder turns into sequences. */
  imageShape: [number, number, number];
  history: EpochRecord[];
  accuracy?: Record<string, unknown>;
  /**
   * Overrides the input section (default: imageShape through the config's encoding); e.g. a
   * constant encoder on [1, 1, inputSize] for driving the network tick by tick.
   */
  input?: { shape: [number, number, number]; encoder: Encoder };
  /**
   * Overrides presentation (default: reset, T ticks) and readout (default: membrane from
   * readout.start), e.g. a stream of frames run `continuous`ly, a few ticks per frame.
   */
  presentation?: { mode: "reset" | "continuous"; timesteps: number };
  readout?: ModelSpecInput["readout"];
}

/** [rows, cols] row-major → [cols, rows]. */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

export function buildSrnnModel(opts: SequenceExportOptions): {
  json: ModelSpecInput;
  weights: Uint8Array;
} {
  const { config, plan, params } = opts;
  if (plan.kind !== "srnn")
    throw Object.assign(
      new Error(
        `${config.name}: only srnn networks export to the engine (this one is ${plan.kind})`,
      ),
      { userFacing: true },
    );
  const dt = config.spiking.dt;
  const w = new WeightsWriter();
  const encoder = opts.input?.encoder ?? sequenceEncoderSpec(config.dataset.encoding);
  // Frame encoders deliver the whole [C, H, W] input each tick; sequence encoders a flat slice.
  const layers: Layer[] =
    encoder.type === "rows" || encoder.type === "pixel_windows" ? [] : [{ type: "flatten" }];
  let nIn = plan.inputSize;
  plan.hidden.forEach((H, l) => {
    const k = plan.layerIndex[l];
    const seconds = (a: Float32Array) => Float32Array.from(a, (v) => v * dt);
    layers.push({
      type: "recurrent_dense",
      weights: w.add(transpose(params[k], nIn, H), [H, nIn]),
      recurrent_weights: w.add(transpose(params[k + 1], H, H), [H, H]),
      bias: w.add(params[k + 2], [H]),
      neuron: {
        model: "alif",
        tau_m: w.add(seconds(params[k + 3]), [H]),
        tau_adp: w.add(seconds(params[k + 4]), [H]),
        b0: plan.alif.b0,
        beta: plan.alif.beta,
        amplitude: 1,
      },
      synapse: { type: "none" },
    });
    nIn = H;
  });
  const r = plan.readoutIndex;
  layers.push({
    type: "dense",
    weights: w.add(transpose(params[r], nIn, plan.classes), [plan.classes, nIn]),
    bias: w.add(params[r + 1], [plan.classes]),
    neuron: { model: "leaky_integrator", tau: plan.readoutTau * dt },
    synapse: { type: "none" },
  });
  const weights = w.bytes();
  const json: ModelSpecInput = {
    format: "spikenode-model",
    version: 1,
    name: config.name,
    description: config.description,
    dt,
    weights: { file: "weights.bin", bytes: weights.length },
    input: {
      shape: opts.input?.shape ?? opts.imageShape,
      preprocess: { color: "gray", fit: "center_crop", invert: false },
      encoder,
    },
    presentation: opts.presentation ?? { mode: "reset", timesteps: plan.steps },
    layers,
    readout: opts.readout ?? { type: "membrane", window: { start: plan.readoutStart } },
    labels: opts.labels,
    provenance: {
      method: "alif-bptt (Yin, Corradi & Bohté 2021)",
      dataset: config.dataset.name,
      created: new Date().toISOString(),
      training: {
        kind: config.kind,
        hidden: config.hidden,
        alif: config.alif,
        readout: config.readout,
        // A stream model reads camera frames through the input section's encoder, not an
        // image-to-sequence encoding.
        encoding: opts.input
          ? { type: "frames", encoder: encoder.type, ticks_per_frame: opts.presentation?.timesteps }
          : config.dataset.encoding,
        epochs: opts.history.length,
        final: opts.history.at(-1) ?? null,
      },
      ...(opts.accuracy ? { accuracy: opts.accuracy } : {}),
    },
  };
  // The engine's own validation: an export the engine would reject is a bug here.
  parseModel(JSON.parse(JSON.stringify(json)), weights, `${config.name} (export)`);
  return { json, weights };
}

/** What the model cards compare: a baseline's accuracy and its multiply-accumulates. */
export function baselineSummary(
  plan: SequencePlan,
  config: SequenceTrainConfig,
  measured: Record<string, unknown>,
): Record<string, unknown> {
  const perStep = macsPerStep(plan);
  return {
    name: config.name,
    kind: plan.kind,
    hidden: plan.hidden,
    steps: plan.steps,
    input_size: plan.inputSize,
    classes: plan.classes,
    parameters: plan.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
    macs_per_step: perStep,
    macs_per_sample: perStep * plan.steps,
    macs_note:
      "dense multiply-accumulates of every layer every step (LSTM: 4 gates), readout included; " +
      "activation functions and elementwise gate products not counted",
    ...measured,
  };
}

function histogram(values: number[], lo: number, hi: number, bins: number): [number, number][] {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins || 1;
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  // A step outline: each bin's count held across its width.
  const pts: [number, number][] = [[lo, 0]];
  counts.forEach((c, i) => {
    pts.push([lo + i * width, c], [lo + (i + 1) * width, c]);
  });
  pts.push([hi, 0]);
  return pts;
}

/**
 * The learned τ_m and τ_adp distributions (ms, per hidden layer; dashed: the initial ones) as
 * one SVG of two histograms side by side.
 */
export function timeConstantsSvg(
  plan: SequencePlan,
  params: Float32Array[],
  config: SequenceTrainConfig,
): string {
  const initial = initSequenceParams(plan, config.training.seed);
  const ms = config.spiking.dt * 1000;
  const chart = (role: "tau_m" | "tau_adp", title: string): string => {
    const idx = plan.params.flatMap((p, i) => (p.role === role ? [i] : []));
    const all = idx.flatMap((i) => [...params[i], ...initial[i]].map((v) => v * ms));
    const lo = Math.floor(Math.min(...all));
    const hi = Math.ceil(Math.max(...all));
    const series: Series[] = [];
    idx.forEach((i, l) => {
      series.push({
        label: `layer ${l + 1} learned`,
        points: histogram(
          [...params[i]].map((v) => v * ms),
          lo,
          hi,
          30,
        ),
        color: l,
      });
      series.push({
        label: `layer ${l + 1} initial`,
        points: histogram(
          [...initial[i]].map((v) => v * ms),
          lo,
          hi,
          30,
        ),
        color: l,
        dashed: true,
      });
    });
    return lineChartSvg(series, { title, xLabel: `${title} (ms)`, yLabel: "neurons", yMin: 0 });
  };
  const a = chart("tau_m", "tau_m");
  const b = chart("tau_adp", "tau_adp");
  const strip = (s: string) => s.replace(/^<svg [^>]*>/, "").replace(/<\/svg>\s*$/, "");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="400" viewBox="0 0 1280 400" font-family="sans-serif" font-size="12">\n` +
    `<svg x="0" y="0" width="640" height="400">${strip(a)}</svg>\n` +
    `<svg x="640" y="0" width="640" height="400">${strip(b)
      .replace(/id="plot"/g, 'id="plot2"')
      .replace(/url\(#plot\)/g, "url(#plot2)")}</svg>\n` +
    `</svg>\n`
  );
}
