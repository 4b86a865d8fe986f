/**
 * A validated, resolved model: the parsed `model.json` (defaults filled in), float32 views of
 * every tensor it references, and the shape each layer receives and produces.
 *
 * Parsing is pure (no I/O): `parseModel(json, weightsBytes, source)`. Every problem is reported
 * as a `ModelError` naming the file, the field and the fix; the first problem found wins, so a
 * writer fixes one thing at a time.
 */
import { z } from "zod";
import { ModelSpec, MODEL_FORMAT, MODEL_FORMAT_VERSION } from "./model-spec.js";
import type { EventsEncoder, Layer, Neuron, TensorRef } from "./model-spec.js";
import { encodedInputShape, sequenceLength } from "./encoding.js";

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

/** Shape of an activation: [C, H, W] for images, [N] once flattened. */
export type Shape = readonly number[];

export interface ResolvedLayer {
  index: number;
  spec: Layer;
  inShape: Shape;
  outShape: Shape;
  /** Neurons in the layer (0 for flatten and pooling). */
  neurons: number;
  /** Row-major as in the file: dense [out, in], conv [oc, ic, kh, kw]. */
  weights?: Float32Array;
  bias?: Float32Array;
  recurrentWeights?: Float32Array;
  /** ALIF per-neuron time constants, seconds, in channels-first neuron order. */
  tauM?: Float32Array;
  tauAdp?: Float32Array;
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

export const isWeighted = (layer: Layer): boolean =>
  layer.type === "dense" || layer.type === "conv2d" || layer.type === "recurrent_dense";

export const isSpikingNeuron = (neuron: Neuron): boolean =>
  neuron.model === "lif" || neuron.model === "alif";

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
    case "invalid_union":
      return new ModelError(
        source,
        field,
        issue.message,
        "use one of the documented values (models/FORMAT.md)",
      );
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
    if (obj.version !== MODEL_FORMAT_VERSION) {
      throw new ModelError(
        source,
        "version",
        `this engine reads version ${MODEL_FORMAT_VERSION}, found ${JSON.stringify(obj.version)}`,
        `write the model in format version ${MODEL_FORMAT_VERSION}`,
      );
    }
  }
  const result = ModelSpec.safeParse(json);
  if (!result.success) throw zodProblem(source, result.error.issues[0]);
  return result.data;
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
      // ALIF time constants may be given flat or in the layer's output shape.
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
  let shape: Shape = encodedShape;
  const layers: ResolvedLayer[] = [];
  const weightedLayers: number[] = [];
  spec.layers.forEach((layer, index) => {
    const f = `layers[${index}]`;
    const inShape = shape;
    const need3d = (): [number, number, number] => {
      if (inShape.length !== 3) {
        throw new ModelError(
          source,
          f,
          `${layer.type} needs a [C, H, W] input but receives ${fmtShape(inShape)}`,
          "place it before the flatten layer",
        );
      }
      return [inShape[0], inShape[1], inShape[2]];
    };
    const resolved: ResolvedLayer = { index, spec: layer, inShape, outShape: inShape, neurons: 0 };
    switch (layer.type) {
      case "flatten":
        resolved.outShape = [product(inShape)];
        break;
      case "avgpool2d": {
        const [c, h, w] = need3d();
        const [kh, kw] = layer.kernel;
        const [sh, sw] = layer.stride;
        if (kh > h || kw > w) {
          throw new ModelError(
            source,
            `${f}.kernel`,
            `${fmtShape(layer.kernel)} is larger than the input ${fmtShape(inShape)}`,
            "use a smaller pooling kernel",
          );
        }
        resolved.outShape = [c, Math.floor((h - kh) / sh) + 1, Math.floor((w - kw) / sw) + 1];
        break;
      }
      case "dense":
      case "recurrent_dense": {
        if (inShape.length !== 1) {
          throw new ModelError(
            source,
            f,
            `${layer.type} needs a flat input but receives ${fmtShape(inShape)}`,
            `insert {"type": "flatten"} before layers[${index}]`,
          );
        }
        const out = layer.weights.shape[0];
        resolved.weights = tensor(layer.weights, `${f}.weights`, [out, inShape[0]], "weights");
        resolved.outShape = [out];
        if (layer.type === "recurrent_dense") {
          resolved.recurrentWeights = tensor(
            layer.recurrent_weights,
            `${f}.recurrent_weights`,
            [out, out],
            "weights",
          );
        }
        break;
      }
      case "conv2d": {
        const [c, h, w] = need3d();
        const [oc, , kh, kw] = layer.weights.shape;
        if (layer.weights.shape.length !== 4) {
          throw new ModelError(
            source,
            `${f}.weights.shape`,
            `is ${fmtShape(layer.weights.shape)}`,
            "conv2d weights are [out_channels, in_channels, kh, kw]",
          );
        }
        resolved.weights = tensor(layer.weights, `${f}.weights`, [oc, c, kh, kw], "weights");
        const [sh, sw] = layer.stride;
        const [ph, pw] = layer.padding;
        const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
        const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
        if (oh < 1 || ow < 1) {
          throw new ModelError(
            source,
            f,
            `a ${kh}x${kw} kernel with padding ${fmtShape(layer.padding)} does not fit the input ${fmtShape(inShape)}`,
            "add padding or use a smaller kernel",
          );
        }
        resolved.outShape = [oc, oh, ow];
        break;
      }
    }
    if (layer.type === "dense" || layer.type === "recurrent_dense" || layer.type === "conv2d") {
      const n = product(resolved.outShape);
      resolved.neurons = n;
      const outCount: Shape = [layer.type === "conv2d" ? resolved.outShape[0] : n];
      if (layer.bias) resolved.bias = tensor(layer.bias, `${f}.bias`, outCount, "bias");
      const neuron = layer.neuron;
      if (neuron.model === "alif") {
        resolved.tauM = tensor(neuron.tau_m, `${f}.neuron.tau_m`, [n], "per-neuron");
        resolved.tauAdp = tensor(neuron.tau_adp, `${f}.neuron.tau_adp`, [n], "per-neuron");
        for (const [name, arr] of [
          ["tau_m", resolved.tauM],
          ["tau_adp", resolved.tauAdp],
        ] as const) {
          const bad = arr.findIndex((x) => !(x > 0));
          if (bad >= 0) {
            throw new ModelError(
              source,
              `${f}.neuron.${name}`,
              `neuron ${bad} has time constant ${arr[bad]} s`,
              "time constants must be positive, in seconds",
            );
          }
        }
      }
      if (neuron.model === "lif" && neuron.min_voltage >= neuron.v_th) {
        throw new ModelError(
          source,
          `${f}.neuron.min_voltage`,
          "is not below v_th",
          "use a min_voltage below the threshold (0 is Nengo's default)",
        );
      }
      weightedLayers.push(index);
    }
    layers.push(resolved);
    shape = resolved.outShape;
    if (layer.type !== "flatten") fedByEncoder = false;
  });

  const last = layers[layers.length - 1];
  if (last.neurons === 0) {
    throw new ModelError(
      source,
      `layers[${last.index}]`,
      `the last layer is ${last.spec.type}, which has no neurons to read out`,
      "end the network with a dense, conv2d or recurrent_dense layer",
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
