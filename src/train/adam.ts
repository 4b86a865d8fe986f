/**
 * Adam on plain Float32Arrays: the update runs on the main thread after gradients from any
 * number of workers are averaged, and its state (moments, step) goes into checkpoints.
 */
export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export function adamInit(params: Float32Array[]): AdamState {
  return {
    step: 0,
    m: params.map((p) => new Float32Array(p.length)),
    v: params.map((p) => new Float32Array(p.length)),
  };
}

/** One Adam step in place; `decay[i]` is an L2 coefficient added to gradient i. */
export function adamStep(
  params: Float32Array[],
  grads: Float32Array[],
  state: AdamState,
  lr: number,
  opt: AdamOptions,
  decay: number[],
): void {
  state.step += 1;
  const { beta1, beta2, epsilon } = opt;
  const c1 = 1 - Math.pow(beta1, state.step);
  const c2 = 1 - Math.pow(beta2, state.step);
  const stepSize = (lr * Math.sqrt(c2)) / c1;
  const epsHat = epsilon * Math.sqrt(c2);
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const g = grads[i];
    const m = state.m[i];
    const v = state.v[i];
    const wd = decay[i] ?? 0;
    for (let k = 0; k < p.length; k++) {
      const gk = g[k] + wd * p[k];
      const mk = beta1 * m[k] + (1 - beta1) * gk;
      const vk = beta2 * v[k] + (1 - beta2) * gk * gk;
      m[k] = mk;
      v[k] = vk;
      p[k] -= (stepSize * mk) / (Math.sqrt(vk) + epsHat);
    }
  }
}
