/**
 * Nengo's LIF (nengo/neurons.py `LIF.step`): exact exponential integration of v toward the input
 * current J, a refractory period with fractional-step handling, spike-time interpolation of the
 * refractory time, v floored at min_voltage, reset to 0, threshold v_th, spikes of height
 * amplitude/dt. `lifTick` is the update of one neuron, written once: the reference engine's step,
 * the fast engine's fused, parking and WebAssembly-finishing paths all call it (V8 inlines it);
 * wasm-lif.ts is the one separate implementation, tested equal to it (test/snn/wasm-kernels).
 */
import { z } from "zod";
import { nonNegative, positive } from "../spec-parts.js";
import { defineNeuron } from "./kind.js";

export const LifNeuron = z.strictObject({
  model: z.literal("lif"),
  /** Membrane time constant, seconds. */
  tau_rc: positive,
  /** Refractory period, seconds. */
  tau_ref: nonNegative,
  /** Spike height × dt (a spike carries amplitude/dt downstream). */
  amplitude: positive.default(1),
  /** Threshold (dimensionless, as J). */
  v_th: positive.default(1),
  /** Floor of v; at most 0. */
  min_voltage: z.number().finite().max(0).default(0),
  /**
   * The membrane at reset (absent: 0). "uniform" draws each neuron's v from [low, high) as Nengo
   * does by default (nengo.LIF's initial_state voltage Uniform(0, 1)): neurons start at random
   * phases, so within a short presentation a neuron fires its rate's share of spikes instead of
   * waiting a whole interspike interval for the first. The draw is a hash of (seed, layer,
   * neuron), so it is the same every frame, in every engine and on every machine.
   */
  initial_voltage: z
    .strictObject({
      distribution: z.literal("uniform"),
      low: z.number().finite().default(0),
      high: z.number().finite().default(1),
      seed: z.number().int().nonnegative().default(0),
    })
    .optional(),
});
export type LifSpec = z.infer<typeof LifNeuron>;

/** A LIF layer's constants. */
export interface LifConstants {
  dt: number;
  tauRc: number;
  /** tau_ref + dt: the refractory time set at a spike before interpolation. */
  tauRefPlusDt: number;
  vTh: number;
  vMin: number;
  /** expm1(-dt/tau_rc): the full-step decay, hoisted. */
  fullStepExpm1: number;
  spikeHeight: number;
}

export function lifConstants(spec: LifSpec, dt: number): LifConstants {
  return {
    dt,
    tauRc: spec.tau_rc,
    tauRefPlusDt: spec.tau_ref + dt,
    vTh: spec.v_th,
    vMin: spec.min_voltage,
    fullStepExpm1: Math.expm1(-dt / spec.tau_rc),
    spikeHeight: spec.amplitude / dt,
  };
}

/**
 * One tick of neuron i (Nengo's LIF.step): returns true when it spiked. Scalars, not the
 * constants object, so that the inlined loop keeps them in registers.
 */
export function lifTick(
  V: Float64Array,
  R: Float64Array,
  i: number,
  j: number,
  dt: number,
  fullStepExpm1: number,
  tauRc: number,
  tauRefPlusDt: number,
  vTh: number,
  vMin: number,
): boolean {
  const ref = R[i] - dt;
  let v = V[i];
  // Nengo: delta_t = clip(dt - refractory_time, 0, dt); v -= (J - v) * expm1(-delta_t / tau_rc).
  if (ref <= 0) v -= (j - v) * fullStepExpm1;
  else if (ref < dt) v -= (j - v) * Math.expm1(-(dt - ref) / tauRc);
  if (v > vTh) {
    R[i] = tauRefPlusDt + tauRc * Math.log1p(-(v - vTh) / (j - vTh));
    V[i] = 0;
    return true;
  }
  R[i] = ref;
  V[i] = v < vMin ? vMin : v;
  return false;
}

export const lif = defineNeuron({
  model: "lif",
  schema: LifNeuron,
  spiking: true,
  spikeHeight: (spec, dt) => spec.amplitude / dt,
  stateVariables: ["v", "ref"],
  updateCost: { stateWords: 1, leaks: 1 },
  buffers: ["v", "ref"],
  perNeuron: {},
  check: (spec) => {
    if (spec.min_voltage >= spec.v_th) {
      return {
        field: "min_voltage",
        problem: "is not below v_th",
        fix: "use a min_voltage below the threshold (0 is Nengo's default)",
      };
    }
    const init = spec.initial_voltage;
    if (
      init &&
      !(spec.min_voltage <= init.low && init.low <= init.high && init.high <= spec.v_th)
    ) {
      return {
        field: "initial_voltage",
        problem: `[${init.low}, ${init.high}) is not within [min_voltage ${spec.min_voltage}, v_th ${spec.v_th}] with low <= high`,
        fix: "draw the initial membrane between min_voltage and the threshold, e.g. low 0, high 1 (Nengo's default)",
      };
    }
    return null;
  },
  initialVoltage: (spec) => {
    const init = spec.initial_voltage;
    if (!init) return null;
    const { low, high, seed } = init;
    return (layer, cf) => low + (high - low) * hashUnit(seed, layer, cf);
  },
  prepare: (spec, ctx) => lifConstants(spec, ctx.dt),
  step(c, state, J, n, spikes) {
    const { dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin } = c;
    const V = state.v;
    const R = state.ref;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (lifTick(V, R, i, J[i], dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin)) {
        spikes[count++] = i;
      }
    }
    return count;
  },
});

/** A uniform number in [0, 1) from three integers (murmur3's finaliser over their mix). */
export function hashUnit(seed: number, layer: number, index: number): number {
  let h = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(layer + 1, 0x85ebca6b)) >>> 0;
  h = (h + Math.imul(index, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
