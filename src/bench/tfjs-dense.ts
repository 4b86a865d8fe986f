/**
 * The same network ticked densely with TensorFlow.js (WASM backend): every layer recomputed every
 * tick as tensors (matMul / conv2d / avgPool, then Nengo's LIF update as element-wise ops, in
 * float32). Only the benchmark imports this; the runtime never loads TensorFlow.js.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { Model, ResolvedLayer } from "../snn/index.js";
import { stats } from "./measure.js";
import type { LatencyStats } from "./measure.js";

export async function useWasmBackend(): Promise<string> {
  await tf.setBackend("wasm");
  await tf.ready();
  return tf.getBackend();
}

interface TfLayer {
  layer: ResolvedLayer;
  /** dense: [in, out]; conv: [kh, kw, ic, oc] */
  w?: tf.Tensor;
  b?: tf.Tensor;
}

/** Returns latency and the total spikes per frame (sanity check against our engines). */
export function benchTfjs(
  model: Model,
  inputs: Float32Array[],
  frames: number,
  warmup = 2,
): LatencyStats & { spikesPerFrame: number } {
  const dt = model.spec.dt;
  const T = model.spec.presentation.timesteps;
  const enc = model.spec.input.encoder;
  if (enc.type !== "constant")
    throw new Error("the TF.js comparison supports constant-current models");
  const layers: TfLayer[] = model.layers.map((layer) => {
    const spec = layer.spec;
    if (spec.type === "dense") {
      const [out, inp] = spec.weights.shape;
      return {
        layer,
        w: tf.tensor2d(layer.weights!, [out, inp]).transpose(),
        b: layer.bias ? tf.tensor1d(layer.bias) : tf.zeros([out]),
      };
    }
    if (spec.type === "conv2d") {
      const [oc, ic, kh, kw] = spec.weights.shape;
      return {
        layer,
        w: tf.tensor4d(layer.weights!, [oc, ic, kh, kw]).transpose([2, 3, 1, 0]),
        b: layer.bias ? tf.tensor1d(layer.bias) : tf.zeros([oc]),
      };
    }
    if (spec.type === "recurrent_dense")
      throw new Error("the TF.js comparison has no recurrent layers");
    return { layer };
  });
  const [c, h, w] = model.inputShape;

  const frame = (pixels: Float32Array): number => {
    const state = layers.map((l) =>
      l.layer.neurons > 0
        ? { v: tf.zeros(outShape(l.layer)), ref: tf.zeros(outShape(l.layer)) }
        : null,
    );
    const x0 = tf.tidy(() =>
      tf.tensor4d(pixels, [1, c, h, w]).transpose([0, 2, 3, 1]).mul(enc.gain).add(enc.bias),
    );
    const counts: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const next = tf.tidy(() => {
        let x: tf.Tensor = x0;
        const out: { v: tf.Tensor; ref: tf.Tensor }[] = [];
        const spk: tf.Tensor[] = [];
        layers.forEach((l, k) => {
          const spec = l.layer.spec;
          if (spec.type === "flatten")
            x = x.rank === 4 ? x.transpose([0, 3, 1, 2]).reshape([1, -1]) : x;
          else if (spec.type === "avgpool2d")
            x = tf.avgPool(x as tf.Tensor4D, spec.kernel, spec.stride, "valid");
          else if (spec.type === "dense" || spec.type === "conv2d") {
            const J =
              spec.type === "dense"
                ? tf.matMul(x as tf.Tensor2D, l.w as tf.Tensor2D).add(l.b!)
                : tf
                    .conv2d(
                      tf.pad(x as tf.Tensor4D, [
                        [0, 0],
                        [spec.padding[0], spec.padding[0]],
                        [spec.padding[1], spec.padding[1]],
                        [0, 0],
                      ]),
                      l.w as tf.Tensor4D,
                      spec.stride,
                      "valid",
                    )
                    .add(l.b!);
            const neuron = spec.neuron;
            if (neuron.model !== "lif") throw new Error("the TF.js comparison supports LIF layers");
            const s = state[k]!;
            const ref = s.ref.sub(dt);
            const dtt = tf.clipByValue(tf.sub(dt, ref), 0, dt);
            let v = s.v.sub(J.sub(s.v).mul(tf.exp(dtt.div(-neuron.tau_rc)).sub(1)));
            const fired = v.greater(neuron.v_th);
            const refSpike = tf
              .log1p(v.sub(neuron.v_th).div(J.sub(neuron.v_th)).neg())
              .mul(neuron.tau_rc)
              .add(neuron.tau_ref + dt);
            const newRef = tf.where(fired, refSpike, ref);
            v = tf.where(fired, tf.zerosLike(v), tf.maximum(v, neuron.min_voltage));
            const f = fired.toFloat();
            out[k] = { v, ref: newRef };
            spk.push(f.sum());
            x = f.mul(neuron.amplitude / dt);
          }
        });
        return { out, total: tf.addN(spk) };
      });
      state.forEach((s, k) => {
        if (s) {
          s.v.dispose();
          s.ref.dispose();
          state[k] = next.out[k];
        }
      });
      counts.push(next.total);
    }
    const total = tf.addN(counts);
    const spikes = total.dataSync()[0];
    total.dispose();
    counts.forEach((t) => t.dispose());
    x0.dispose();
    state.forEach((s) => {
      s?.v.dispose();
      s?.ref.dispose();
    });
    return spikes;
  };

  for (let i = 0; i < warmup; i++) frame(inputs[i % inputs.length]);
  const times: number[] = [];
  let spikes = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    spikes += frame(inputs[i % inputs.length]);
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  layers.forEach((l) => {
    l.w?.dispose();
    l.b?.dispose();
  });
  return { ...stats(times, (cpu.user + cpu.system) / 1000), spikesPerFrame: spikes / frames };
}

function outShape(layer: ResolvedLayer): number[] {
  const s = layer.outShape;
  return s.length === 3 ? [1, s[1], s[2], s[0]] : [1, s[0]];
}
