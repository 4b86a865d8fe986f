/** Loss, gradients and inference of a recurrent sequence network on one (shard of a) batch. */
import * as tf from "@tensorflow/tfjs";
import type { ShardResult } from "../gradients.js";
import { forwardSequence, sequenceLoss, type SequencePlan } from "./recurrent-net.js";

/** Labels of `count` samples: [count] (one per sample) or [count, T] (one per step). */
function labelTensor(labels: Int32Array, count: number, width: number): tf.Tensor {
  return width === 1
    ? tf.tensor1d(labels.subarray(0, count), "int32")
    : tf.tensor2d(labels.subarray(0, count * width), [count, width], "int32");
}

/**
 * Gradients of Σ(shard losses)/batchTotal; `stats` = [hidden spikes, hidden neuron-steps]
 * (the firing rate's numerator and denominator) for an srnn, none for rnn/lstm.
 */
export function sequenceShardGradients(
  plan: SequencePlan,
  params: Float32Array[],
  inputs: Float32Array,
  labels: Int32Array,
  count: number,
  batchTotal: number,
  labelWidth: number,
): ShardResult {
  const { steps: T, inputSize } = plan;
  const result = tf.tidy(() => {
    const ps = params.map((p, i) => tf.tensor(p, plan.params[i].shape));
    const x = tf.tensor3d(inputs.subarray(0, count * T * inputSize), [count, T, inputSize]);
    const y = labelTensor(labels, count, labelWidth);
    let correct: tf.Tensor | undefined;
    let spikes: tf.Tensor | undefined;
    const f = (...vars: tf.Tensor[]): tf.Scalar => {
      const out = forwardSequence(plan, vars, x);
      const l = sequenceLoss(plan, out.readout, y);
      correct = tf.keep(l.correct);
      spikes = tf.keep(out.spikes);
      return tf.div(l.lossSum, batchTotal) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)(ps);
    return { value, grads, correct: correct as tf.Tensor, spikes: spikes as tf.Tensor };
  });
  const grads = result.grads.map((g) => new Float32Array(g.dataSync() as Float32Array));
  const lossSum = result.value.dataSync()[0] * batchTotal;
  const correct = result.correct.dataSync()[0];
  const spikes = result.spikes.dataSync()[0];
  tf.dispose([result.value, ...result.grads, result.correct, result.spikes]);
  const neuronSteps = count * T * plan.hidden.reduce((a, b) => a + b, 0);
  // RNN and LSTM cells do not spike: no firing rate to report.
  return { grads, lossSum, correct, stats: plan.kind === "srnn" ? [spikes, neuronSteps] : [] };
}

export interface SequenceEvaluation {
  loss: number;
  accuracy: number;
  /** Spikes per hidden neuron per step (srnn; 0 otherwise). */
  firingRate: number;
  /** Spikes per sample over all hidden layers (srnn). */
  spikesPerSample: number;
  /** Spikes per sample of each hidden layer (srnn). */
  layerSpikesPerSample: number[];
}

/** Loss, accuracy and firing rate of the network on `count` samples, in chunks, no gradients. */
export function evaluateSequences(
  plan: SequencePlan,
  params: Float32Array[],
  count: number,
  fill: (start: number, n: number, inputs: Float32Array, labels: Int32Array) => void,
  labelWidth: number,
  chunk = 250,
): SequenceEvaluation {
  const { steps: T, inputSize } = plan;
  const ps = params.map((p, i) => tf.tensor(p, plan.params[i].shape));
  const inputs = new Float32Array(chunk * T * inputSize);
  const labels = new Int32Array(chunk * labelWidth);
  let loss = 0;
  let correct = 0;
  let spikes = 0;
  const layerSpikes = plan.hidden.map(() => 0);
  try {
    for (let s = 0; s < count; s += chunk) {
      const n = Math.min(chunk, count - s);
      fill(s, n, inputs, labels);
      const r = tf.tidy(() => {
        const x = tf.tensor3d(inputs.subarray(0, n * T * inputSize), [n, T, inputSize]);
        const out = forwardSequence(plan, ps, x);
        const l = sequenceLoss(plan, out.readout, labelTensor(labels, n, labelWidth));
        const perLayer = plan.kind === "srnn" ? out.hidden.map((h) => tf.sum(h)) : [];
        return tf.stack([l.lossSum, l.correct, out.spikes, ...perLayer]);
      });
      const [ls, c, sp, ...per] = r.dataSync();
      r.dispose();
      loss += ls;
      correct += c;
      spikes += sp;
      per.forEach((v, i) => (layerSpikes[i] += v));
    }
  } finally {
    tf.dispose(ps);
  }
  const neurons = plan.hidden.reduce((a, b) => a + b, 0);
  return {
    loss: loss / count,
    accuracy: correct / count,
    firingRate: spikes / (count * T * neurons),
    spikesPerSample: spikes / count,
    layerSpikesPerSample: layerSpikes.map((v) => v / count),
  };
}

/**
 * The class each sample is given: argmax over classes of the readout's mean over steps
 * [readoutStart, T) (what the engine's `membrane` readout decides).
 */
export function sequenceDecisions(
  plan: SequencePlan,
  params: Float32Array[],
  inputs: Float32Array,
  count: number,
): Int32Array {
  const { steps: T, inputSize } = plan;
  return tf.tidy(() => {
    const ps = params.map((p, i) => tf.tensor(p, plan.params[i].shape));
    const x = tf.tensor3d(inputs.subarray(0, count * T * inputSize), [count, T, inputSize]);
    const { readout } = forwardSequence(plan, ps, x);
    const [, B, C] = readout.shape;
    const scored = tf.slice(readout, [plan.readoutStart, 0, 0], [T - plan.readoutStart, B, C]);
    return tf.argMax(tf.mean(scored, 0), 1).dataSync() as Int32Array;
  });
}
