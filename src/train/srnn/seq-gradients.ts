/** Loss, gradients and inference of a recurrent sequence network on one (shard of a) batch. */
import * as tf from "@tensorflow/tfjs";
import type { ShardResult } from "../gradients.js";
import { forwardSequence, sequenceLoss, type SequencePlan } from "./recurrent-net.js";
import { ratePenaltySum } from "./sparsity.js";

/** Labels of `count` samples: [count] (one per sample) or [count, T] (one per step). */
function labelTensor(labels: Int32Array, count: number, width: number): tf.Tensor {
  return width === 1
    ? tf.tensor1d(labels.subarray(0, count), "int32")
    : tf.tensor2d(labels.subarray(0, count * width), [count, width], "int32");
}

/**
 * Gradients of Σ(shard losses + rate penalties)/batchTotal; `lossSum` is the cross-entropy's
 * alone. `stats` for an srnn = [hidden spikes, hidden neuron-steps, Σ rate penalty, spikes of
 * each hidden layer] (sequenceStatFields reads them); none for rnn/lstm.
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
    let sums: tf.Tensor | undefined;
    const f = (...vars: tf.Tensor[]): tf.Scalar => {
      const out = forwardSequence(plan, vars, x);
      const l = sequenceLoss(plan, out.readout, y);
      const penalty = plan.penalty ? ratePenaltySum(plan.penalty, out.hidden) : tf.scalar(0);
      // Figures only: kept out of the gradient by valueAndGrads' disposal, read after it.
      sums = tf.keep(
        tf.stack([
          l.lossSum,
          l.correct,
          out.spikes,
          penalty,
          ...(plan.kind === "srnn" ? out.hidden.map((h) => tf.sum(h)) : []),
        ]),
      );
      return tf.div(tf.add(l.lossSum, penalty), batchTotal) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)(ps);
    return { value, grads, sums: sums as tf.Tensor };
  });
  const grads = result.grads.map((g) => new Float32Array(g.dataSync() as Float32Array));
  const [lossSum, correct, spikes, penaltySum, ...layerSpikes] = result.sums.dataSync();
  tf.dispose([result.value, ...result.grads, result.sums]);
  const neuronSteps = count * T * plan.hidden.reduce((a, b) => a + b, 0);
  // RNN and LSTM cells do not spike: no firing rate to report.
  return {
    grads,
    lossSum,
    correct,
    stats: plan.kind === "srnn" ? [spikes, neuronSteps, penaltySum, ...layerSpikes] : [],
  };
}

/** Training-epoch figures from the summed stats of its batches (see sequenceShardGradients). */
export function sequenceStatFields(
  plan: SequencePlan,
  stats: number[],
): { trainLayerFiringRates?: number[]; trainPenalty?: number } {
  if (plan.kind !== "srnn" || stats.length < 3 + plan.hidden.length || !(stats[1] > 0)) return {};
  const total = plan.hidden.reduce((a, b) => a + b, 0);
  const samples = stats[1] / (plan.steps * total);
  return {
    trainLayerFiringRates: plan.hidden.map((h, l) => stats[3 + l] / (samples * plan.steps * h)),
    ...(plan.penalty ? { trainPenalty: stats[2] / samples } : {}),
  };
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
  /** Spikes per neuron per step of each hidden layer (srnn). */
  layerFiringRates: number[];
  /** Mean rate penalty per sample (srnn with `sparsity`; 0 otherwise), not part of `loss`. */
  penalty: number;
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
  let penalty = 0;
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
        const p = plan.penalty ? ratePenaltySum(plan.penalty, out.hidden) : tf.scalar(0);
        return tf.stack([l.lossSum, l.correct, out.spikes, p, ...perLayer]);
      });
      const [ls, c, sp, pen, ...per] = r.dataSync();
      r.dispose();
      loss += ls;
      correct += c;
      spikes += sp;
      penalty += pen;
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
    layerFiringRates: layerSpikes.map((v, l) => v / (count * T * plan.hidden[l])),
    penalty: penalty / count,
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
