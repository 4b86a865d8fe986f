/**
 * The exported model run as a rate network (TF.js): every LIF neuron replaced by its analytic
 * steady-state rate amplitude·r(J) (the γ → 0 limit of soft-LIF), linear layers as they are.
 * This is "the same weights as a rate network" that spiking accuracy is compared against.
 */
import { conv2dPadding } from "../snn/layer-geometry.js";
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../snn/model.js";
import type { Neuron } from "../snn/model-spec.js";

export interface RateResult {
  /** Predicted class per image. */
  predictions: Int32Array;
  /** Per weighted layer (model.weightedLayers order): mean firing rate in Hz (LIF), else null. */
  meanRateHz: (number | null)[];
}

function lifRateTensor(J: tf.Tensor, tauRc: number, tauRef: number, amplitude: number): tf.Tensor {
  const above = tf.greater(J, 1);
  const safe = tf.where(above, J, tf.fill(J.shape, 2));
  // 1 / (tau_ref + tau_rc·log1p(1/(J − 1)))
  const r = tf.reciprocal(tf.add(tf.mul(tf.log1p(tf.reciprocal(tf.sub(safe, 1))), tauRc), tauRef));
  return tf.mul(tf.where(above, r, tf.zerosLike(r)), amplitude);
}

/**
 * The rate-network stand-in of each neuron kind that has one, keyed by `neuron.model`: the layer's
 * output for current J, and the mean firing rate in Hz of that output (null: not a spiking kind).
 * A kind missing here (ALIF, leaky integrator, IF, ...) has no analytic steady-state rate.
 */
interface RateKind {
  output(J: tf.Tensor, neuron: Neuron): tf.Tensor;
  meanRateHz(output: tf.Tensor, neuron: Neuron): number | null;
}
const RATE_KINDS: Partial<Record<Neuron["model"], RateKind>> = {
  lif: {
    output: (J, n) => {
      if (n.model !== "lif") throw new Error("lif rate for another kind");
      return lifRateTensor(J, n.tau_rc, n.tau_ref, n.amplitude);
    },
    meanRateHz: (x, n) => (n.model === "lif" ? tf.mean(x).dataSync()[0] / n.amplitude : null),
  },
  linear: { output: (J) => J, meanRateHz: () => null },
};

/**
 * Why the model has no rate network of the same weights, or null when it has one: only LIF
 * (and linear) neurons have an analytic steady-state rate, and only a constant input holds still
 * long enough for one. ALIF and leaky-integrator networks, recurrent layers and sequence or
 * spiking encoders have none.
 */
export function rateNetworkUnavailable(model: Model): string | null {
  for (const l of model.layers) {
    const spec = l.spec;
    if ("neuron" in spec && RATE_KINDS[spec.neuron.model] === undefined) {
      return `layer ${l.index} has ${spec.neuron.model} neurons, which have no analytic rate (only LIF has, as soft-LIF training assumes)`;
    }
  }
  for (const l of model.layers) {
    if (l.inputs.length !== 1 || l.inputs[0] !== l.index - 1) {
      return `layer ${l.index} names its inputs (a graph, format version 2); the rate network covers chains only`;
    }
    if (l.spec.type === "recurrent_dense") {
      return `layer ${l.index} is recurrent_dense; the rate network covers feed-forward soft-LIF models only`;
    }
  }
  const enc = model.spec.input.encoder;
  if (enc.type !== "constant") {
    return `the ${enc.type} encoder does not give a constant input, which a rate network needs`;
  }
  return null;
}

/** `pixels`: count images, channels-first [C, H, W] each, values as the encoder receives them. */
export function rateEvaluate(
  model: Model,
  pixels: Float32Array,
  count: number,
  chunk = 250,
): RateResult {
  const [c, h, w] = model.inputShape;
  const enc = model.spec.input.encoder;
  if (enc.type !== "constant")
    throw new Error(`${model.source}: rate evaluation needs a constant encoder, not "${enc.type}"`);
  const weights = model.layers.map((l) => {
    if (!l.weights) return null;
    const spec = l.spec;
    if (spec.type === "conv2d") {
      const [oc, ic, kh, kw] = spec.weights.shape;
      return tf.transpose(tf.tensor4d(l.weights, [oc, ic, kh, kw]), [2, 3, 1, 0]) as tf.Tensor4D; // → [kh, kw, ic, oc]
    }
    if (spec.type === "dense") {
      const [o, i] = spec.weights.shape;
      return tf.transpose(tf.tensor2d(l.weights, [o, i])) as tf.Tensor2D; // → [in, out]
    }
    throw new Error(`${model.source}: rate evaluation does not support layer type "${spec.type}"`);
  });
  const biases = model.layers.map((l) => (l.bias ? tf.tensor1d(l.bias) : null));
  const predictions = new Int32Array(count);
  const rateSums = model.weightedLayers.map(() => 0);
  let weighted = 0;
  for (let s = 0; s < count; s += chunk) {
    const n = Math.min(chunk, count - s);
    const { pred, layerSums } = tf.tidy(() => {
      // Activations are kept NCHW-ordered conceptually; TF.js convolutions run NHWC.
      let x: tf.Tensor = tf.transpose(
        tf.tensor4d(pixels.subarray(s * c * h * w, (s + n) * c * h * w), [n, c, h, w]),
        [0, 2, 3, 1],
      );
      x = tf.add(tf.mul(x, enc.gain), enc.bias);
      const sums: number[] = [];
      model.layers.forEach((l, i) => {
        const spec = l.spec;
        if (spec.type === "avgpool2d") {
          if (spec.padding.some((p) => p !== 0)) {
            throw new Error(`${model.source}: rate evaluation supports unpadded avgpool2d only`);
          }
          x = tf.avgPool(x as tf.Tensor4D, spec.kernel, spec.stride, "valid");
          return;
        }
        if (spec.type === "flatten") {
          x = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, -1]); // channels-first order, as our format
          return;
        }
        if (spec.type !== "conv2d" && spec.type !== "dense") {
          throw new Error(
            `${model.source}: rate evaluation does not support layer type "${spec.type}"`,
          );
        }
        let J: tf.Tensor;
        if (spec.type === "conv2d") {
          if (spec.groups !== 1 || spec.dilation.some((d) => d !== 1)) {
            throw new Error(
              `${model.source}: rate evaluation supports conv2d with groups 1 and dilation 1 only`,
            );
          }
          const [pt, pb, pl, pr] = conv2dPadding(spec.padding);
          J = tf.conv2d(x as tf.Tensor4D, weights[i] as tf.Tensor4D, spec.stride, [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0],
          ]);
        } else {
          J = tf.matMul(x as tf.Tensor2D, weights[i] as tf.Tensor2D);
        }
        if (biases[i]) J = tf.add(J, biases[i] as tf.Tensor);
        const neuron = spec.neuron;
        const kind = RATE_KINDS[neuron.model];
        if (kind === undefined) {
          throw new Error(
            `${model.source}: rate evaluation supports ${Object.keys(RATE_KINDS).join(" and ")} neurons, not "${neuron.model}"`,
          );
        }
        x = kind.output(J, neuron);
        sums.push(kind.meanRateHz(x, neuron) ?? NaN);
      });
      return { pred: tf.argMax(x, 1).dataSync() as Int32Array, layerSums: sums };
    });
    predictions.set(pred, s);
    layerSums.forEach((v, k) => (rateSums[k] += v * n));
    weighted += n;
  }
  tf.dispose([
    ...weights.filter((t): t is tf.Tensor4D | tf.Tensor2D => t !== null),
    ...biases.filter((t): t is tf.Tensor1D => t !== null),
  ]);
  return { predictions, meanRateHz: rateSums.map((v) => (Number.isNaN(v) ? null : v / weighted)) };
}
