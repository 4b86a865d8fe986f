/**
 * `spikenode infer --sequence`: N samples of T ticks each from one float32 file, shape
 * [N, T, ...per-tick shape] (little-endian), given by `--shape N,T,...`, or a sibling
 * `<file>.json` / `<file without .f32>.json` holding {"shape": [...]}, or else N inferred from
 * the file size with T from `--steps` or the model's presentation.timesteps. Every sample runs
 * from a reset state through runSequence (src/snn); printed per sample: the readout's scores
 * (spike counts under spike_count), the class, the output layer's totals and every layer's
 * spike totals, as one JSON line with --json.
 */
import { readFile } from "node:fs/promises";
import { UserError } from "./fatal.js";
import type { EngineKind, Model } from "../snn/index.js";

export interface SequenceInferOptions {
  model: string;
  input: string[];
  engine: EngineKind;
  /** "N,T,..." */
  shape?: string;
  /** Ticks to run per sample (≤ T); without a shape, T itself. */
  steps?: string;
  json: boolean;
  /** dt of a .nir model (seconds). */
  dt?: string;
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function parseShape(text: string, what: string): number[] {
  const dims = text.split(",").map((d) => Number(d.trim()));
  if (dims.length < 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new UserError(
      `${what}: "${text}" is not a shape [N, T, ...per-tick shape]; give whole numbers ≥ 1, e.g. 10,100,2,34,34`,
    );
  }
  return dims;
}

async function siblingShape(file: string): Promise<{ shape: number[]; from: string } | null> {
  const candidates = [`${file}.json`, file.replace(/\.f32$/i, "") + ".json"];
  for (const from of [...new Set(candidates)]) {
    if (from === file) continue;
    let text: string;
    try {
      text = await readFile(from, "utf8");
    } catch {
      continue;
    }
    let shape: unknown;
    try {
      shape = (JSON.parse(text) as { shape?: unknown }).shape;
    } catch (err) {
      throw new UserError(
        `${from}: not JSON (${(err as Error).message}); write {"shape": [N, T, ...]}`,
      );
    }
    if (!Array.isArray(shape)) {
      throw new UserError(`${from}: has no "shape" array; write {"shape": [N, T, ...]}`);
    }
    return { shape: parseShape(shape.join(","), `${from} "shape"`), from };
  }
  return null;
}

/** The file's shape [N, T, ...] checked against its size and the model's per-tick input. */
export async function sequenceShape(
  file: string,
  values: number,
  model: Model,
  shapeOption: string | undefined,
  stepsOption: number | undefined,
): Promise<{ n: number; t: number; from: string }> {
  const perTick = model.encodedSize;
  const tickShape = `[${model.encodedShape.join(", ")}]`;
  let dims: number[] | null = null;
  let from = "--shape";
  if (shapeOption !== undefined) dims = parseShape(shapeOption, "--shape");
  else {
    const sib = await siblingShape(file);
    if (sib !== null) ({ shape: dims, from } = sib);
  }
  if (dims !== null) {
    if (product(dims.slice(2)) !== perTick) {
      throw new UserError(
        `${file}: ${from} gives ${product(dims.slice(2))} values per tick ([${dims.slice(2).join(", ")}]) but ${model.source} reads ${perTick} per tick (${tickShape}); write the file as [N, T, ${model.encodedShape.join(", ")}]`,
      );
    }
    if (product(dims) !== values) {
      throw new UserError(
        `${file}: ${from} [${dims.join(", ")}] is ${product(dims)} float32 values but the file holds ${values}; fix the shape or write the file again`,
      );
    }
    return { n: dims[0], t: dims[1], from };
  }
  const t = stepsOption ?? model.spec.presentation.timesteps;
  const per = t * perTick;
  if (values === 0 || values % per !== 0) {
    throw new UserError(
      `${file}: ${values} float32 values are not whole samples of ${t} ticks × ${perTick} values (${tickShape}); give --shape N,T,... or a sibling .json {"shape": [...]}, or --steps T`,
    );
  }
  return {
    n: values / per,
    t,
    from: stepsOption === undefined ? "presentation.timesteps" : "--steps",
  };
}

export async function inferSequence(
  opts: SequenceInferOptions,
  write: (line: string) => void,
): Promise<void> {
  const { createNetwork, runSequence } = await import("../snn/index.js");
  const { loadModelFrom, dtOption } = await import("./model-source.js");
  if (opts.input.length !== 1) {
    throw new UserError(
      `--sequence reads one file of [N, T, ...] samples, got ${opts.input.length} files; run them one at a time`,
    );
  }
  let steps: number | undefined;
  if (opts.steps !== undefined) {
    steps = Number(opts.steps);
    if (!Number.isInteger(steps) || steps < 1) {
      throw new UserError(`--steps ${opts.steps}: give a whole number of ticks ≥ 1`);
    }
  }
  const model = await loadModelFrom(opts.model, { dt: await dtOption(opts.dt) });
  const file = opts.input[0];
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  if (bytes.byteLength % 4 !== 0) {
    throw new UserError(
      `${file}: ${bytes.byteLength} bytes is not a whole number of float32 values`,
    );
  }
  const data = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  const bad = data.findIndex((x) => !Number.isFinite(x));
  const { n, t, from } = await sequenceShape(file, data.length, model, opts.shape, steps);
  if (bad >= 0) {
    const per = t * model.encodedSize;
    throw new UserError(
      `${file}: value ${bad} (sample ${Math.floor(bad / per)}, tick ${Math.floor((bad % per) / model.encodedSize)}) is ${data[bad]}; every value must be finite`,
    );
  }
  const run = steps ?? t;
  if (run > t) {
    throw new UserError(
      `--steps ${run}: the samples have only ${t} ticks (${from}); use --steps ≤ ${t}`,
    );
  }
  const net = createNetwork(model, { engine: opts.engine });
  const per = t * model.encodedSize;
  for (let k = 0; k < n; k++) {
    const r = runSequence(net, data, run, { offset: k * per, perTick: false });
    let best = 0;
    for (let i = 1; i < r.scores.length; i++) if (r.scores[i] > r.scores[best]) best = i;
    const c = r.counters.total;
    const result = {
      sample: k,
      file,
      steps: run,
      readout: model.spec.readout.type,
      scores: Array.from(r.scores),
      class: model.labels[best],
      classIndex: best,
      outputTotals: Array.from(r.totals),
      layers: r.layers,
      totals: { spikes: c.spikes, synapticOps: c.synapticOps, neuronUpdates: c.neuronUpdates },
    };
    if (opts.json) write(`${JSON.stringify(result)}\n`);
    else {
      const fmt = (xs: number[]) => xs.map((x) => +x.toFixed(4)).join(" ");
      const layerText = r.layers.map((l) => `${l.name ?? `#${l.layer}`}:${l.spikes}`).join(" ");
      write(
        `#${k} class ${result.class}  ${result.readout} [${fmt(result.scores)}]  steps ${run}  spikes ${c.spikes} (${layerText})  synops ${c.synapticOps}\n`,
      );
    }
  }
}
