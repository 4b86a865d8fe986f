/**
 * Recurrent sequence networks in TF.js: Yin et al.'s adaptive spiking RNN (ALIF layers), and
 * the tanh RNN and LSTM baselines, each with the same leaky-integrator readout. Parameters are
 * plain Float32Arrays (TF.js layouts: kernels [in, out]) shared with the generic trainer.
 *
 * ALIF, one layer, step t (papers.md B1, as src/snn/reference.ts runs it; dt = 1 step):
 *   I_t = W_in·x_t + W_rec·S_{t−1} + b
 *   η_t = ρη_{t−1} + (1−ρ)S_{t−1};  θ_t = b0 + βη_t
 *   u_t = αu_{t−1} + (1−α)I_t − θ_t S_{t−1};  S_t = H(u_t − θ_t)
 * with α = exp(−1/τ_m), ρ = exp(−1/τ_adp) per neuron, state u = η = S = 0 at t = 0, and x_t of
 * a layer the spikes of the layer below at the same t. Readout: u^o_t = α_o u^o_{t−1} +
 * (1−α_o)(W_o·h_t + b_o), h_t the last hidden layer's spikes (or the RNN's/LSTM's hidden state).
 */
import * as tf from "@tensorflow/tfjs";
import { denseMacsPerStep } from "../../power/recurrent.js";
import type { TrainableParam } from "../net.js";
import { Rng } from "../rng.js";
import type { SequenceKind, SequenceTrainConfig } from "./config.js";
import { layerPenalty, type LayerPenalty } from "./sparsity.js";
import { spikeFunction, stopGradient } from "./surrogate.js";

export type ParamRole = "w_in" | "w_rec" | "bias" | "tau_m" | "tau_adp" | "w_out" | "b_out";

export interface SequenceTrainableParam extends TrainableParam {
  role: ParamRole;
  /** Hidden layer index (the readout: hidden.length). */
  layer: number;
}

export interface SequencePlan {
  kind: SequenceKind;
  steps: number;
  inputSize: number;
  hidden: number[];
  classes: number;
  params: SequenceTrainableParam[];
  /** Index of each hidden layer's first parameter; readout parameters at `readoutIndex`. */
  layerIndex: number[];
  readoutIndex: number;
  alif: SequenceTrainConfig["alif"];
  readoutTau: number;
  readoutStart: number;
  tbptt?: number;
  /** The firing-rate penalty per hidden layer (srnn with `sparsity`; null otherwise). */
  penalty: LayerPenalty | null;
}

export function planSequenceNetwork(
  config: SequenceTrainConfig,
  steps: number,
  inputSize: number,
  classes: number,
): SequencePlan {
  if (config.sparsity && config.kind !== "srnn")
    throw Object.assign(
      new Error(
        `${config.name}: sparsity penalises spikes, and a ${config.kind} network has none; remove it`,
      ),
      { userFacing: true },
    );
  const penalty = layerPenalty(config.sparsity, config.hidden.length, "hidden layers");
  const params: SequenceTrainableParam[] = [];
  const layerIndex: number[] = [];
  const gates = config.kind === "lstm" ? 4 : 1;
  let nIn = inputSize;
  config.hidden.forEach((h, l) => {
    layerIndex.push(params.length);
    params.push({
      name: `layer${l}.w_in`,
      shape: [nIn, gates * h],
      kind: "weight",
      role: "w_in",
      layer: l,
    });
    params.push({
      name: `layer${l}.w_rec`,
      shape: [h, gates * h],
      kind: "weight",
      role: "w_rec",
      layer: l,
    });
    params.push({
      name: `layer${l}.bias`,
      shape: [gates * h],
      kind: "bias",
      role: "bias",
      layer: l,
    });
    if (config.kind === "srnn") {
      params.push({ name: `layer${l}.tau_m`, shape: [h], kind: "bias", role: "tau_m", layer: l });
      params.push({
        name: `layer${l}.tau_adp`,
        shape: [h],
        kind: "bias",
        role: "tau_adp",
        layer: l,
      });
    }
    nIn = h;
  });
  const readoutIndex = params.length;
  const L = config.hidden.length;
  params.push({
    name: "readout.w",
    shape: [nIn, classes],
    kind: "weight",
    role: "w_out",
    layer: L,
  });
  params.push({ name: "readout.b", shape: [classes], kind: "bias", role: "b_out", layer: L });
  return {
    kind: config.kind,
    steps,
    inputSize,
    hidden: config.hidden,
    classes,
    params,
    layerIndex,
    readoutIndex,
    alif: config.alif,
    readoutTau: config.readout.tau,
    readoutStart: config.readout.start,
    tbptt: config.training.tbptt,
    penalty,
  };
}

/** Learning-rate multiplier of each parameter (τ_m and τ_adp have their own). */
export function learningRateScales(plan: SequencePlan): number[] {
  return plan.params.map((p) =>
    p.role === "tau_m" ? plan.alif.tau_m_lr : p.role === "tau_adp" ? plan.alif.tau_adp_lr : 1,
  );
}

function normalSample(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** An n×n orthogonal matrix (Gram–Schmidt on a Gaussian matrix), row-major. */
export function orthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) q[i] = normalSample(rng);
  for (let r = 0; r < n; r++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < r; p++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += q[r * n + k] * q[p * n + k];
        for (let k = 0; k < n; k++) q[r * n + k] -= dot * q[p * n + k];
      }
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += q[r * n + k] * q[r * n + k];
    norm = Math.sqrt(norm);
    for (let k = 0; k < n; k++) q[r * n + k] /= norm;
  }
  return q;
}

/**
 * Yin's initialisation: Xavier-uniform feed-forward and readout weights, orthogonal recurrent
 * weights (one block per LSTM gate), zero biases (LSTM forget gate 1), τ_m and τ_adp from the
 * configured normal distributions, floored at `tau_min` only so they stay positive.
 */
export function initSequenceParams(plan: SequencePlan, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return plan.params.map((p) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(size);
    if (p.role === "w_in" || p.role === "w_out") {
      const [fanIn, fanOut] = p.shape;
      const limit = Math.sqrt(
        6 / (fanIn + fanOut / (plan.kind === "lstm" && p.role === "w_in" ? 4 : 1)),
      );
      for (let k = 0; k < size; k++) out[k] = (rng.next() * 2 - 1) * limit;
    } else if (p.role === "w_rec") {
      const [h, cols] = p.shape;
      for (let g = 0; g < cols / h; g++) {
        const q = orthogonal(h, rng);
        for (let r = 0; r < h; r++)
          for (let c = 0; c < h; c++) out[r * cols + g * h + c] = q[r * h + c];
      }
    } else if (p.role === "bias" && plan.kind === "lstm") {
      const h = size / 4;
      out.fill(1, h, 2 * h); // gates [i, f, g, o]: forget gate open at the start
    } else if (p.role === "tau_m" || p.role === "tau_adp") {
      const d = p.role === "tau_m" ? plan.alif.tau_m_init : plan.alif.tau_adp_init;
      for (let k = 0; k < size; k++)
        out[k] = Math.max(plan.alif.tau_min, d.mean + d.std * normalSample(rng));
    }
    return out;
  });
}

/** Keeps the learned time constants positive after an optimiser step. */
export function clampTimeConstants(plan: SequencePlan, params: Float32Array[]): void {
  plan.params.forEach((p, i) => {
    if (p.role !== "tau_m" && p.role !== "tau_adp") return;
    const a = params[i];
    for (let k = 0; k < a.length; k++) if (!(a[k] >= plan.alif.tau_min)) a[k] = plan.alif.tau_min;
  });
}

export interface SequenceOutput {
  /** Readout membrane per step, [T, B, classes]. */
  readout: tf.Tensor3D;
  /** Spikes of all hidden ALIF layers over the sequence (srnn; 0 otherwise). */
  spikes: tf.Scalar;
  /** Each hidden layer's output per step [T, B, H] (spikes for srnn). */
  hidden: tf.Tensor3D[];
  /** With `trace` (srnn): each hidden layer's u − θ per step [T, B, H], the spike decision's margin. */
  margins?: tf.Tensor3D[];
}

function truncate<T extends tf.Tensor>(plan: SequencePlan, t: number, x: T): T {
  return plan.tbptt && t > 0 && t % plan.tbptt === 0 ? stopGradient(x) : x;
}

/** Runs the network on x [B, T, inputSize]. */
export function forwardSequence(
  plan: SequencePlan,
  params: tf.Tensor[],
  x: tf.Tensor3D,
  trace = false,
): SequenceOutput {
  const [B, T] = x.shape;
  const spike = plan.kind === "srnn" ? spikeFunction(plan.alif.surrogate) : null;
  let seq: tf.Tensor3D = tf.transpose(x, [1, 0, 2]);
  const hidden: tf.Tensor3D[] = [];
  let spikes: tf.Scalar = tf.scalar(0);
  const margins: tf.Tensor3D[] = [];
  plan.hidden.forEach((H, l) => {
    const k = plan.layerIndex[l];
    const [wIn, wRec, bias] = [params[k], params[k + 1], params[k + 2]] as tf.Tensor2D[];
    const nIn = seq.shape[2];
    const ff = tf.add(
      tf.reshape(tf.matMul(tf.reshape(seq, [T * B, nIn]), wIn), [T, B, wIn.shape[1]]),
      bias,
    );
    const ffSteps = tf.unstack(ff) as tf.Tensor2D[];
    const outs: tf.Tensor2D[] = [];
    const vs: tf.Tensor[] = [];
    if (plan.kind === "srnn") {
      const alpha = tf.exp(tf.neg(tf.reciprocal(params[k + 3])));
      const rho = tf.exp(tf.neg(tf.reciprocal(params[k + 4])));
      const oneMinusAlpha = tf.sub(1, alpha);
      const oneMinusRho = tf.sub(1, rho);
      const { b0, beta } = plan.alif;
      let u: tf.Tensor = tf.zeros([B, H]);
      let eta: tf.Tensor = tf.zeros([B, H]);
      let S: tf.Tensor2D = tf.zeros([B, H]);
      for (let t = 0; t < T; t++) {
        u = truncate(plan, t, u);
        eta = truncate(plan, t, eta);
        S = truncate(plan, t, S);
        const I = tf.add(ffSteps[t], tf.matMul(S, wRec));
        eta = tf.add(tf.mul(rho, eta), tf.mul(oneMinusRho, S));
        const theta = tf.add(tf.mul(eta, beta), b0);
        u = tf.sub(tf.add(tf.mul(alpha, u), tf.mul(oneMinusAlpha, I)), tf.mul(theta, S));
        const v = tf.sub(u, theta);
        if (trace) vs.push(v);
        S = (spike as (v: tf.Tensor) => tf.Tensor)(v) as tf.Tensor2D;
        outs.push(S);
      }
    } else if (plan.kind === "rnn") {
      let h: tf.Tensor2D = tf.zeros([B, H]);
      for (let t = 0; t < T; t++) {
        h = truncate(plan, t, h);
        h = tf.tanh(tf.add(ffSteps[t], tf.matMul(h, wRec)));
        outs.push(h);
      }
    } else {
      let h: tf.Tensor2D = tf.zeros([B, H]);
      let c: tf.Tensor = tf.zeros([B, H]);
      for (let t = 0; t < T; t++) {
        h = truncate(plan, t, h);
        c = truncate(plan, t, c);
        const z = tf.add(ffSteps[t], tf.matMul(h, wRec));
        const [i, f, g, o] = tf.split(z, 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
        outs.push(h);
      }
    }
    seq = tf.stack(outs) as tf.Tensor3D;
    if (vs.length) margins.push(tf.stack(vs) as tf.Tensor3D);
    hidden.push(seq);
    if (plan.kind === "srnn") spikes = tf.add(spikes, tf.sum(seq));
  });
  const wOut = params[plan.readoutIndex] as tf.Tensor2D;
  const bOut = params[plan.readoutIndex + 1];
  const H = seq.shape[2];
  const J = tf.unstack(
    tf.reshape(tf.add(tf.matMul(tf.reshape(seq, [T * B, H]), wOut), bOut), [T, B, plan.classes]),
  );
  const a = Math.exp(-1 / plan.readoutTau);
  let uo: tf.Tensor = tf.zeros([B, plan.classes]);
  const readout: tf.Tensor[] = [];
  for (let t = 0; t < T; t++) {
    uo = truncate(plan, t, uo);
    uo = tf.add(tf.mul(uo, a), tf.mul(J[t], 1 - a));
    readout.push(uo);
  }
  return {
    readout: tf.stack(readout) as tf.Tensor3D,
    spikes,
    hidden,
    ...(trace ? { margins } : {}),
  };
}

/**
 * Mean cross-entropy per sample (summed over the batch) of the softmax of the readout:
 * per-sample labels [B] score every step t ≥ readoutStart; per-step labels [B, T] score the
 * steps whose label is ≥ 0. Also the number of correct decisions: per sample, the argmax of the
 * readout's mean over the scored steps (the engine's `membrane` readout); per step, each scored
 * step's argmax, counted as a fraction of the sample's scored steps.
 */
export function sequenceLoss(
  plan: SequencePlan,
  readout: tf.Tensor3D,
  labels: tf.Tensor,
): { lossSum: tf.Scalar; correct: tf.Scalar } {
  const [T, B, C] = readout.shape;
  if (labels.rank === 1) {
    const start = plan.readoutStart;
    const scored = tf.slice(readout, [start, 0, 0], [T - start, B, C]);
    const y = tf.oneHot(labels as tf.Tensor1D, C);
    const logp = tf.logSoftmax(scored);
    const lossSum = tf.div(tf.neg(tf.sum(tf.mul(logp, y))), T - start) as tf.Scalar;
    const decision = tf.argMax(tf.mean(scored, 0), 1);
    const correct = tf.sum(tf.cast(tf.equal(decision, labels), "float32")) as tf.Scalar;
    return { lossSum, correct };
  }
  // labels [B, T] → [T, B]; int32 throughout, as oneHot requires (a plain `0` would be a float32
  // scalar and make tf.maximum's result float32). Unscored steps (−1) get class 0's one-hot,
  // which the mask then zeroes: they add nothing to the loss, its gradient or the hits.
  const lt = tf.cast(tf.transpose(labels), "int32") as tf.Tensor2D;
  const mask = tf.cast(tf.greaterEqual(lt, tf.scalar(0, "int32")), "float32");
  const y = tf.oneHot(tf.maximum(lt, tf.scalar(0, "int32")) as tf.Tensor2D, C);
  const perStep = tf.neg(tf.sum(tf.mul(tf.logSoftmax(readout), y), 2));
  const scoredPerSample = tf.maximum(tf.sum(mask, 0), 1);
  const lossSum = tf.sum(tf.div(tf.sum(tf.mul(perStep, mask), 0), scoredPerSample)) as tf.Scalar;
  const hits = tf.mul(tf.cast(tf.equal(tf.argMax(readout, 2), lt), "float32"), mask);
  const correct = tf.sum(tf.div(tf.sum(hits, 0), scoredPerSample)) as tf.Scalar;
  return { lossSum, correct };
}

/** Multiply-accumulates per step of one sample through the network (dense, every step). */
export function macsPerStep(plan: SequencePlan): number {
  return denseMacsPerStep(
    { inputSize: plan.inputSize, hidden: plan.hidden, outputs: plan.classes },
    plan.kind === "lstm" ? 4 : 1,
  );
}
