/** Loss and gradients of one (shard of a) batch; shared by the main thread and the workers. */
import * as tf from "@tensorflow/tfjs";
import { forward, type Plan } from "./net.js";
import { penaltyFromRates } from "./rate-penalty.js";

export interface ShardResult {
  /** Gradients of Σ(shard losses) / batchTotal, so summing shards gives the batch-mean gradient. */
  grads: Float32Array[];
  /** Σ of the shard's cross-entropy losses. */
  lossSum: number;
  correct: number;
  /** Extra sums a task reports (sequence networks: [hidden spikes, hidden neuron-steps]). */
  stats?: number[];
}

export function shardGradients(
  plan: Plan,
  params: Float32Array[],
  pixels: Float32Array,
  labels: Int32Array,
  count: number,
  batchTotal: number,
  noiseSeed: number,
): ShardResult {
  const [h, w, c] = plan.input;
  const classes = (plan.shapes.at(-1) as number[])[0];
  const result = tf.tidy(() => {
    const ps = params.map((p, i) => tf.tensor(p, plan.params[i].shape));
    const x = tf.tensor4d(pixels.subarray(0, count * h * w * c), [count, h, w, c]);
    const y = tf.oneHot(tf.tensor1d(labels.subarray(0, count), "int32"), classes);
    let correct: tf.Tensor | undefined;
    let sums: tf.Tensor | undefined;
    const f = (...vars: tf.Tensor[]): tf.Scalar => {
      const rates: tf.Tensor1D[] = [];
      const logits = forward(plan, vars, x, { seed: noiseSeed }, rates);
      // Intermediate tensors of f are disposed by valueAndGrads; keep the count.
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), "int32")));
      const penalty = plan.penalty ? penaltyFromRates(plan.penalty, rates) : tf.scalar(0);
      // [Σ spikes per tick over all soft-LIF neurons, Σ penalty, per layer Σ rate]: the epoch's
      // firing rates and penalty (trainer stats), from the noisy training forward pass.
      sums = tf.keep(
        tf.stack([
          rates.reduce(
            (acc: tf.Tensor, r, l) => tf.add(acc, tf.mul(tf.sum(r), plan.spikingUnits[l])),
            tf.scalar(0),
          ),
          penalty,
          ...rates.map((r) => tf.sum(r)),
        ]),
      );
      const losses = tf.losses.softmaxCrossEntropy(
        y,
        logits,
        undefined,
        undefined,
        tf.Reduction.NONE,
      );
      return tf.div(tf.add(tf.sum(losses), penalty), batchTotal) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)(ps);
    return { value, grads, correct: correct as tf.Tensor, sums: sums as tf.Tensor };
  });
  const grads = result.grads.map((g) => g.dataSync() as Float32Array);
  const [spikes, penaltySum, ...layerRates] = result.sums.dataSync();
  const correct = result.correct.dataSync()[0];
  // The value includes the penalty; lossSum stays the cross-entropy, comparable with validation.
  const lossSum = result.value.dataSync()[0] * batchTotal - penaltySum;
  tf.dispose([result.value, ...result.grads, result.correct, result.sums]);
  const units = plan.spikingUnits.reduce((a, b) => a + b, 0);
  return {
    grads: grads.map((g) => new Float32Array(g)),
    lossSum,
    correct,
    // Same layout as the sequence task's: [spikes, neuron-ticks, Σ penalty, per-layer Σ rate].
    stats: units > 0 ? [spikes, count * units, penaltySum, ...layerRates] : [],
  };
}

/** Inference logits for many images, in chunks. Returns [count × classes]. */
export function predictLogits(
  plan: Plan,
  params: Float32Array[],
  pixels: Float32Array,
  count: number,
  chunk = 256,
  /** When given, Σ over the images of each soft-LIF layer's rate (spikes per neuron per tick) is added here. */
  rateSums?: Float64Array,
): Float32Array {
  const [h, w, c] = plan.input;
  const classes = (plan.shapes.at(-1) as number[])[0];
  const out = new Float32Array(count * classes);
  const ps = params.map((p, i) => tf.tensor(p, plan.params[i].shape));
  for (let s = 0; s < count; s += chunk) {
    const n = Math.min(chunk, count - s);
    const { logits, rates } = tf.tidy(() => {
      const collected: tf.Tensor1D[] | undefined = rateSums ? [] : undefined;
      const y = forward(
        plan,
        ps,
        tf.tensor4d(pixels.subarray(s * h * w * c, (s + n) * h * w * c), [n, h, w, c]),
        undefined,
        collected,
      );
      // An empty stack stands for "not asked" (tidy returns tensors only).
      const sums = collected?.length ? tf.stack(collected.map((r) => tf.sum(r))) : tf.zeros([0]);
      return { logits: y, rates: sums };
    });
    out.set(logits.dataSync(), s * classes);
    if (rateSums && rates.size > 0) {
      const v = rates.dataSync();
      for (let l = 0; l < v.length; l++) rateSums[l] += v[l];
    }
    rates.dispose();
    logits.dispose();
  }
  tf.dispose(ps);
  return out;
}
