/**
 * A validated, resolved model: the parsed `model.json` (defaults filled in), float32 views of
 * every tensor it references, and the shape each layer receives and produces.
 *
 * Parsing is pure (no I/O): `parseModel(json, weightsBytes, source)`. Every problem is reported
 * as a `ModelError` naming the file, the field and the fix; the first problem found wins, so a
 * writer fixes one thing at a time.
 */
import { z } from "zod";
import {
  ModelSpec,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION_GRAPH,
  MODEL_FORMAT_VERSIONS,
  NETWORK_INPUT,
} from "./model-spec.js";
import type { EventsEncoder, Layer, TensorRef } from "./model-spec.js";
import { isSpikingNeuron } from "./neurons/index.js";
import { resolveNeuronValues } from "./model-neurons.js";
import { biasShape, isWeighted, resolveLayer } from "./model-layers.js";
import { encodedInputShape, sequenceLength } from "./encoding.js";
import type { Shape } from "./spec-parts.js";

/** A model file problem. `userFacing` lets the CLI print it as one line without a stack. */
export class ModelError extends Error {
  readonly userFacing = true;
  constructor(
    readonly source: string,
    readonly field: string,
    problem: string,
    fix: string,
  ) {
    super(`${source}: ${field === "" ? "(top level)" : field}: ${problem}. Fix: ${fix}`);
    this.name = "ModelError";
  }
}

export type { Shape };

export interface ResolvedLayer {
  index: number;
  spec: Layer;
  /**
   * What the layer reads, as indices into model.layers (-1: the network input), in the order of
   * `inputs` in the file (version 1, or no `inputs`: the layer before it). An index at or after
   * the layer's own closes a cycle: that input carries the previous tick's output.
   */
  inputs: number[];
  inShape: Shape;
  outShape: Shape;
  /** Neurons in the layer (0 for flatten and pooling). */
  neurons: number;
  /** Row-major as in the file: dense [out, in], conv [oc, ic, kh, kw]. */
  weights?: Float32Array;
  bias?: Float32Array;
  recurrentWeights?: Float32Array;
  /**
   * The neuron kind's per-neuron values (NeuronKind.perNeuron, e.g. ALIF's tau_m and tau_adp,
   * IF's v_threshold), by field name, in channels-first neuron order: a TensorRef's float32
   * values, or a uniform number repeated (float64); empty for kinds without any.
   */
  neuronTensors: Record<string, Float32Array | Float64Array>;
}

export interface Model {
  /** Where the model came from (a path or a name), used in messages. */
  source: string;
  spec: ModelSpec;
  /** The whole weights file as little-endian float32 values. */
  weights: Float32Array;
  /** The image the encoder reads, [C, H, W] (what the preprocessor produces). */
  inputShape: readonly [number, number, number];
  /** Pixels per image, C·H·W. */
  inputSize: number;
  /**
   * What the first layer receives each tick (network.tick's input): the image itself for frame
   * encoders, [C·W] for rows, [window] for pixel_windows (see encoding.ts).
   */
  encodedShape: Shape;
  encodedSize: number;
  /** Ticks per image fixed by a sequence encoder (rows, pixel_windows); null for frame encoders. */
  sequenceLength: number | null;
  layers: ResolvedLayer[];
  /** Indices into `layers` of the layers that carry neurons, in order. */
  weightedLayers: number[];
  /** Neurons of the last layer (= labels.length). */
  outputSize: number;
  labels: string[];
}

export { isWeighted };

export { isSpikingNeuron };

const product = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
const fmtPath = (path: readonly PropertyKey[]): string =>
  path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");
const fmtShape = (shape: Shape): string => `[${shape.join(", ")}]`;

function zodProblem(source: string, issue: z.core.$ZodIssue): ModelError {
  const field = fmtPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return new ModelError(
        source,
        field,
        `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`,
        "remove it or correct its spelling; models/FORMAT.md lists every field",
      );
    case "invalid_type":
      if (/received undefined/.test(issue.message)) {
        return new ModelError(
          source,
          field,
          `missing required field (expected ${issue.expected})`,
          "add it; models/FORMAT.md describes it",
        );
      }
      return new ModelError(source, field, issue.message, `give a ${issue.expected} here`);
    case "invalid_union": {
      // A field that is a number or a TensorRef (NIR neuron parameters): missing in every
      // branch is a missing field; a value of the right type that breaks a bound says which.
      const branches = "errors" in issue ? (issue.errors as z.core.$ZodIssue[][]) : [];
      const missing = (e: z.core.$ZodIssue) =>
        e.code === "invalid_type" && e.path.length === 0 && /received undefined/.test(e.message);
      if (branches.length > 0 && branches.every((b) => b.some(missing))) {
        return new ModelError(
          source,
          field,
          "missing required field (expected a number or a TensorRef {offset, shape})",
          "add it; models/FORMAT.md describes it",
        );
      }
      const typed = branches
        .map((b) => b[0])
        .find((e) => e !== undefined && e.code !== "invalid_type");
      if (typed !== undefined) {
        return zodProblem(source, { ...typed, path: [...issue.path, ...typed.path] });
      }
      return new ModelError(
        source,
        field,
        issue.message,
        "use one of the documented values (models/FORMAT.md)",
      );
    }
    default:
      return new ModelError(source, field, issue.message, "correct the value (models/FORMAT.md)");
  }
}

/** Validate the JSON against the schema and fill in defaults. */
export function parseSpec(json: unknown, source: string): ModelSpec {
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    const obj = json as Record<string, unknown>;
    if (obj.format !== MODEL_FORMAT) {
      throw new ModelError(
        source,
        "format",
        `expected "${MODEL_FORMAT}", found ${JSON.stringify(obj.format)}`,
        `set "format": "${MODEL_FORMAT}" (is this a spikenode model file?)`,
      );
    }
    if (!MODEL_FORMAT_VERSIONS.includes(obj.version as number)) {
      const versions = MODEL_FORMAT_VERSIONS.join(" or ");
      throw new ModelError(
        source,
        "version",
        `this engine reads version ${versions}, found ${JSON.stringify(obj.version)}`,
        `write the model in format version ${versions}`,
      );
    }
  }
  const result = ModelSpec.safeParse(json);
  if (!result.success) throw zodProblem(source, result.error.issues[0]);
  return result.data;
}

const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** How messages name a layer: its name, else layers[i]; -1 is the network input. */
function nameOf(spec: ModelSpec, index: number): string {
  return index < 0 ? NETWORK_INPUT : (spec.layers[index].name ?? `layers[${index}]`);
}

/**
 * Each layer's inputs as indices (-1: network input): the file's `inputs` (version 2) or the
 * layer before (the chain). Checks names, the version, that flatten and pooling read one earlier
 * layer, and that every weighted layer reads at least one earlier layer (which fixes its shape).
 */
function resolveInputs(spec: ModelSpec, source: string): number[][] {
  const byName = new Map<string, number>();
  spec.layers.forEach((layer, index) => {
    const f = `layers[${index}]`;
    if (spec.version !== MODEL_FORMAT_VERSION_GRAPH && (layer.name !== undefined || layer.inputs)) {
      throw new ModelError(
        source,
        `${f}.${layer.inputs ? "inputs" : "name"}`,
        `layers name their inputs from format version ${MODEL_FORMAT_VERSION_GRAPH} on, but this file is version ${spec.version}`,
        `set "version": ${MODEL_FORMAT_VERSION_GRAPH} (a version-1 file is a chain)`,
      );
    }
    if (layer.name === undefined) return;
    if (layer.name === NETWORK_INPUT || byName.has(layer.name)) {
      throw new ModelError(
        source,
        `${f}.name`,
        layer.name === NETWORK_INPUT
          ? `"${NETWORK_INPUT}" names the network input`
          : `"${layer.name}" is also the name of layers[${byName.get(layer.name)}]`,
        "give every layer a name of its own",
      );
    }
    byName.set(layer.name, index);
  });
  return spec.layers.map((layer, index) => {
    const f = `layers[${index}]`;
    if (!layer.inputs) return [index - 1];
    const inputs = layer.inputs.map((name, k) => {
      const i = name === NETWORK_INPUT ? -1 : byName.get(name);
      if (i === undefined) {
        throw new ModelError(
          source,
          `${f}.inputs[${k}]`,
          `no layer is named "${name}"`,
          `name a layer's "name", or "${NETWORK_INPUT}" for the network input`,
        );
      }
      if (layer.inputs!.indexOf(name) !== k) {
        throw new ModelError(
          source,
          `${f}.inputs[${k}]`,
          `"${name}" is named twice`,
          "name it once",
        );
      }
      return i;
    });
    if (!isWeighted(layer)) {
      if (inputs.length !== 1 || inputs[0] >= index) {
        throw new ModelError(
          source,
          `${f}.inputs`,
          `${layer.type} reads ${inputs.length === 1 ? "a later layer (or itself)" : `${inputs.length} inputs`}`,
          `give ${layer.type} one input from an earlier layer; cycles close at weighted layers`,
        );
      }
    } else {
      const cycle = inputs.findIndex((i) => i >= index && !isWeighted(spec.layers[i]));
      if (cycle >= 0) {
        throw new ModelError(
          source,
          `${f}.inputs[${cycle}]`,
          `closes a cycle through ${spec.layers[inputs[cycle]].type} layer "${layer.inputs[cycle]}"`,
          "a cycle input must name a layer with neurons (dense, conv2d, conv1d, recurrent_dense, scale, neurons)",
        );
      }
      if (inputs.every((i) => i >= index)) {
        throw new ModelError(
          source,
          `${f}.inputs`,
          "names only itself or later layers (cycle inputs), so its input shape is not fixed",
          `add an earlier layer or "${NETWORK_INPUT}" to its inputs`,
        );
      }
    }
    return inputs;
  });
}

/** Decode little-endian float32 bytes regardless of alignment or host byte order. */
/** An events encoder's input is [2, H, W] (OFF, ON) and its ROI is downsample·[W, H] sensor pixels. */
function checkEventsEncoder(source: string, e: EventsEncoder, [c, h, w]: readonly number[]): void {
  if (c !== 2) {
    throw new ModelError(
      source,
      "input.shape",
      `is [${c}, ${h}, ${w}] but the events encoder delivers 2 channels (OFF, ON)`,
      `set input.shape to [2, ${h}, ${w}]`,
    );
  }
  if (
    e.roi !== undefined &&
    (e.roi.width !== w * e.downsample || e.roi.height !== h * e.downsample)
  ) {
    throw new ModelError(
      source,
      "input.encoder.roi",
      `is ${e.roi.width}×${e.roi.height} sensor pixels, but input ${h}×${w} at downsample ${e.downsample} reads ${w * e.downsample}×${h * e.downsample}`,
      "make roi width = W·downsample and height = H·downsample, or omit roi for a centred one",
    );
  }
}

function decodeFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength >>> 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Build a Model from a parsed model.json and the bytes of its weights file.
 * `source` names the model (its directory or file) in error messages.
 */
export function parseModel(json: unknown, weightsBytes: Uint8Array, source: string): Model {
  const spec = parseSpec(json, source);
  const wfile = `${source} (weights file "${spec.weights.file}")`;
  if (weightsBytes.byteLength !== spec.weights.bytes) {
    throw new ModelError(
      source,
      "weights.bytes",
      `says ${spec.weights.bytes} bytes but "${spec.weights.file}" has ${weightsBytes.byteLength}`,
      "write the weights file again, or set weights.bytes to its real size if the file is right",
    );
  }
  if (weightsBytes.byteLength % 4 !== 0) {
    throw new ModelError(
      wfile,
      "weights.bytes",
      `${weightsBytes.byteLength} is not a whole number of float32 values`,
      "the weights file holds little-endian float32 values only",
    );
  }
  const weights = decodeFloat32(weightsBytes);

  const tensor = (ref: TensorRef, field: string, expected: Shape, what: string): Float32Array => {
    const count = product(ref.shape);
    const expectCount = product(expected);
    if (ref.shape.length !== expected.length || ref.shape.some((d, i) => d !== expected[i])) {
      // Per-neuron tensors (ALIF time constants) may be given flat or in the layer's output shape.
      if (!(what === "per-neuron" && count === expectCount)) {
        throw new ModelError(
          source,
          `${field}.shape`,
          `is ${fmtShape(ref.shape)} but the layer needs ${fmtShape(expected)}`,
          `make the tensor shape match the layer's input and output sizes (models/FORMAT.md, 'Layers')${field.endsWith("].weights") ? encoderHint() : ""}`,
        );
      }
    }
    const end = ref.offset + 4 * count;
    if (end > weightsBytes.byteLength) {
      throw new ModelError(
        source,
        field,
        `needs bytes ${ref.offset}..${end} but the weights file has ${weightsBytes.byteLength}`,
        "check the offset and shape, or write the weights file again",
      );
    }
    const view = weights.subarray(ref.offset / 4, ref.offset / 4 + count);
    for (let i = 0; i < view.length; i++) {
      if (!Number.isFinite(view[i])) {
        throw new ModelError(
          wfile,
          field,
          `value ${i} (byte ${ref.offset + 4 * i}) is ${view[i]}`,
          "retrain or clip the weights; every value must be a finite float32",
        );
      }
    }
    return view;
  };

  const [c0, h0, w0] = spec.input.shape;
  const pre = spec.input.preprocess;
  if (pre.color === "rgb" && c0 !== 3) {
    throw new ModelError(
      source,
      "input.shape[0]",
      `is ${c0} channels but input.preprocess.color is "rgb" (3 channels)`,
      'make the two agree (use "gray" for single-channel models)',
    );
  }
  for (const key of ["mean", "std"] as const) {
    const arr = pre[key];
    if (arr !== undefined && arr.length !== c0) {
      throw new ModelError(
        source,
        `input.preprocess.${key}`,
        `has ${arr.length} values for ${c0} channel(s)`,
        "give one value per input channel",
      );
    }
  }

  const encoder = spec.input.encoder;
  const encodedShape = encodedInputShape(encoder, [c0, h0, w0]);
  const seqLength = sequenceLength(encoder, [c0, h0, w0]);
  if (encoder.type === "pixel_windows" && encoder.window > c0 * h0 * w0) {
    throw new ModelError(
      source,
      "input.encoder.window",
      `is ${encoder.window} pixels but the image has only ${c0 * h0 * w0} (input.shape ${fmtShape(spec.input.shape)})`,
      "use a window of at most C·H·W pixels (Yin et al. use 4)",
    );
  }
  if (encoder.type === "events") checkEventsEncoder(source, encoder, [c0, h0, w0]);
  if (seqLength !== null && spec.presentation.timesteps !== seqLength) {
    const how =
      encoder.type === "rows"
        ? `${h0} rows × ticks_per_row ${encoder.ticks_per_row}`
        : `ceil(${c0 * h0 * w0} pixels / stride ${encoder.type === "pixel_windows" ? encoder.stride : 1})`;
    throw new ModelError(
      source,
      "presentation.timesteps",
      `is ${spec.presentation.timesteps} but the ${encoder.type} encoder presents an image in ${how} = ${seqLength} ticks`,
      `set presentation.timesteps to ${seqLength}, or change input.encoder${encoder.type === "rows" ? ".ticks_per_row" : ".stride"} so the two agree`,
    );
  }
  // Layers reached from the input through flatten layers only read the encoder's output.
  let fedByEncoder = true;
  const encoderHint = (): string =>
    fedByEncoder && seqLength !== null
      ? `; this layer reads what the ${encoder.type} encoder delivers per tick, ${fmtShape(encodedShape)} (${
          encoder.type === "rows" ? "C·W of one row" : "input.encoder.window pixels"
        }), not the whole image ${fmtShape([c0, h0, w0])}`
      : "";
  const layers: ResolvedLayer[] = [];
  const weightedLayers: number[] = [];
  const inputsOf = resolveInputs(spec, source);
  spec.layers.forEach((layer, index) => {
    const f = `layers[${index}]`;
    const inputs = inputsOf[index];
    const shapeOf = (i: number): Shape => (i < 0 ? encodedShape : layers[i].outShape);
    // Inputs from earlier layers (or the network input) fix the shape; cycle inputs are checked
    // against it once every layer is resolved.
    const current = inputs.filter((i) => i < index);
    const inShape = shapeOf(current[0]);
    current.forEach((i, k) => {
      if (k > 0 && !sameShape(shapeOf(i), inShape)) {
        throw new ModelError(
          source,
          `${f}.inputs[${inputs.indexOf(i)}]`,
          `"${nameOf(spec, i)}" delivers ${fmtShape(shapeOf(i))} but "${nameOf(spec, current[0])}" delivers ${fmtShape(inShape)}`,
          "inputs that are summed must have the same shape",
        );
      }
    });
    const resolved: ResolvedLayer = {
      index,
      spec: layer,
      inputs,
      inShape,
      outShape: inShape,
      neurons: 0,
      neuronTensors: {},
    };
    const shapes = resolveLayer(layer, inShape, {
      f,
      index,
      tensor,
      fail: (field, problem, fix) => {
        throw new ModelError(source, field, problem, fix);
      },
    });
    resolved.outShape = shapes.outShape;
    resolved.weights = shapes.weights;
    resolved.recurrentWeights = shapes.recurrentWeights;
    if (isWeighted(layer) && "neuron" in layer) {
      const n = product(resolved.outShape);
      resolved.neurons = n;
      if ("bias" in layer && layer.bias) {
        resolved.bias = tensor(
          layer.bias,
          `${f}.bias`,
          biasShape(layer, resolved.outShape),
          "bias",
        );
      }
      resolved.neuronTensors = resolveNeuronValues(
        layer.neuron,
        n,
        (ref, name) => tensor(ref, `${f}.neuron.${name}`, [n], "per-neuron"),
        (p) => {
          throw new ModelError(source, `${f}.${p.field}`, p.problem, p.fix);
        },
      );
      weightedLayers.push(index);
    }
    layers.push(resolved);
    if (layer.type !== "flatten") fedByEncoder = false;
  });

  for (const layer of layers) {
    layer.inputs.forEach((i, k) => {
      if (i >= layer.index && !sameShape(layers[i].outShape, layer.inShape)) {
        throw new ModelError(
          source,
          `layers[${layer.index}].inputs[${k}]`,
          `"${nameOf(spec, i)}" (a cycle input) delivers ${fmtShape(layers[i].outShape)} but the layer reads ${fmtShape(layer.inShape)}`,
          "inputs that are summed must have the same shape",
        );
      }
    });
  }
  const last = layers[layers.length - 1];
  if (last.neurons === 0) {
    throw new ModelError(
      source,
      `layers[${last.index}]`,
      `the last layer is ${last.spec.type}, which has no neurons to read out`,
      "end the network with a layer that has neurons (dense, conv2d, conv1d, recurrent_dense, scale, neurons)",
    );
  }
  if (spec.labels.length !== last.neurons) {
    throw new ModelError(
      source,
      "labels",
      `has ${spec.labels.length} labels but the last layer has ${last.neurons} neurons`,
      "give one label per output neuron",
    );
  }
  const { start, end = spec.presentation.timesteps } = spec.readout.window;
  if (end > spec.presentation.timesteps || start >= end) {
    throw new ModelError(
      source,
      "readout.window",
      `[${start}, ${end}) is not inside the presentation's ${spec.presentation.timesteps} ticks`,
      "use 0 <= start < end <= presentation.timesteps",
    );
  }
  return {
    source,
    spec,
    weights,
    inputShape: [c0, h0, w0],
    inputSize: c0 * h0 * w0,
    encodedShape,
    encodedSize: product(encodedShape),
    sequenceLength: seqLength,
    layers,
    weightedLayers,
    outputSize: last.neurons,
    labels: spec.labels,
  };
}
