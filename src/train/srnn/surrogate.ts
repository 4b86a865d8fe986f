/**
 * The spike nonlinearity for training: Heaviside forward, a surrogate derivative backward
 * (Yin, Corradi & Bohté; papers.md B2). x = u − θ; a neuron spikes when x > 0, as the engine's
 * `u > theta`.
 */
import * as tf from "@tensorflow/tfjs";
import type { SurrogateConfig } from "./config.js";

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Normal density G(x; μ, σ). */
export function gaussian(x: number, mu: number, sigma: number): number {
  const d = x - mu;
  return Math.exp(-(d * d) / (2 * sigma * sigma)) / (SQRT_2PI * sigma);
}

/** The surrogate dS/dx at x, as plain arithmetic (the formula the tensor version must match). */
export function surrogateValue(cfg: SurrogateConfig, x: number): number {
  if (cfg.type === "gaussian") return cfg.gamma * gaussian(x, 0, cfg.sigma);
  const { h, s, sigma, gamma } = cfg;
  return (
    gamma *
    ((1 + h) * gaussian(x, 0, sigma) -
      h * gaussian(x, sigma, s * sigma) -
      h * gaussian(x, -sigma, s * sigma))
  );
}

/** ∫ surrogate dx over the real line: γ(1 − h) for the multi-Gaussian, γ for the Gaussian. */
export function surrogateIntegral(cfg: SurrogateConfig): number {
  return cfg.type === "gaussian" ? cfg.gamma : cfg.gamma * (1 - cfg.h);
}

function gaussianTensor(x: tf.Tensor, mu: number, sigma: number): tf.Tensor {
  const d = mu === 0 ? x : tf.sub(x, mu);
  return tf.mul(tf.exp(tf.mul(tf.square(d), -1 / (2 * sigma * sigma))), 1 / (SQRT_2PI * sigma));
}

/** The surrogate derivative evaluated elementwise on a tensor. */
export function surrogateTensor(cfg: SurrogateConfig, x: tf.Tensor): tf.Tensor {
  if (cfg.type === "gaussian") return tf.mul(gaussianTensor(x, 0, cfg.sigma), cfg.gamma);
  const { h, s, sigma, gamma } = cfg;
  const centre = tf.mul(gaussianTensor(x, 0, sigma), (1 + h) * gamma);
  const sides = tf.add(gaussianTensor(x, sigma, s * sigma), gaussianTensor(x, -sigma, s * sigma));
  return tf.sub(centre, tf.mul(sides, h * gamma));
}

/** S = H(x) (1 where x > 0) with the surrogate as its gradient. */
export function spikeFunction(cfg: SurrogateConfig): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    return {
      value: tf.cast(tf.greater(input, 0), "float32"),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, surrogateTensor(cfg, saved[0])),
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}

/** Identity forward, no gradient backward (TF.js has no stopGradient op). */
export const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const input = args[0] as tf.Tensor;
  return {
    value: tf.clone(input),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  };
}) as <T extends tf.Tensor>(x: T) => T;
