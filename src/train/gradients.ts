/** Loss and gradients of one (shard of a) batch; shared by the main thread and the workers. */
import * as tf from "@tensorflow/tfjs";
import { forward, type Plan } from "./net.js";

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
    const f = (...vars: tf.Tensor[]): tf.Scalar => {
      const logits = forward(plan, vars, x, { seed: noiseSeed });
      // Intermediate tensors of f are disposed by valueAndGrads; keep the count.
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), "int32")));
      const losses = tf.losses.softmaxCrossEntropy(
        y,
        logits,
        undefined,
        undefined,
        tf.Reduction.NONE,
      );
      return tf.div(tf.sum(losses), batchTotal) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)(ps);
    return { value, grads, correct: correct as tf.Tensor };
  });
  const grads = result.grads.map((g) => g.dataSync() as Float32Array);
  const lossSum = result.value.dataSync()[0] * batchTotal;
  const correct = result.correct.dataSync()[0];
  tf.dispose([result.value, ...result.grads, result.correct]);
  return { grads: grads.map((g) => new Float32Array(g)), lossSum, correct };
}

/** Inference logits for many images, in chunks. Returns [count × classes]. */
export function predictLogits(
  plan: Plan,
  params: Float32Array[],
  pixels: Float32Array,
  count: number,
  chunk = 256,
): Float32Array {
  const [h, w, c] = plan.input;
  const classes = (plan.shapes.at(-1) as number[])[0];
  const out = new Float32Array(count * classes);
  const ps = params.map((p, i) => tf.tensor(p, plan.params[i].shape));
  for (let s = 0; s < count; s += chunk) {
    const n = Math.min(chunk, count - s);
    const logits = tf.tidy(() =>
      forward(
        plan,
        ps,
        tf.tensor4d(pixels.subarray(s * h * w * c, (s + n) * h * w * c), [n, h, w, c]),
      ),
    );
    out.set(logits.dataSync(), s * classes);
    logits.dispose();
  }
  tf.dispose(ps);
  return out;
}
