/**
 * `export-nir --approximate`: our Nengo-style layers as the nearest NIR nodes at the model's dt.
 * NIR has no node for Nengo's LIF (refractory period, sub-step spike timing, v floored at 0,
 * spikes of height amplitude/dt) nor for a synaptic filter on a layer's input, so one layer
 * (weights W, bias b, synapse, neuron) becomes a chain
 *
 *   <name>.w    Linear / Conv2d / Conv1d: h_in·W (h_in: the height one input spike had,
 *               amplitude/dt for a LIF input, the encoder's gain for the image); the bias b
 *               here (an Affine) when there is no synapse, as every importer runs that
 *               (snnTorch refuses v_leak ≠ 0, Norse starts v at v_leak), else later
 *   <name>.syn  the synapse: lowpass τ → LI(τ*, r 1), alpha τ → CubaLI(τ_syn = τ_mem = τ*, r 1,
 *               w_in 1), two first-order Euler stages; none → no node
 *   <name>      the neuron: lif → LIF(τ* of τ_rc, r 1, v_leak b, v_threshold v_th, v_reset 0);
 *               leaky_integrator → LI(τ*, r 1, v_leak b); linear → b added by the synapse node's
 *               v_leak (v_leak 0 where the weighted node took b)
 *
 * with τ* = dt / (1 − e^(−dt/τ)): NIR's Euler step v += dt/τ*·(x − v) then equals our exact
 * exponential step, so below threshold the membrane and the leaky integrator move exactly as
 * ours. What moves is: no refractory period (a neuron may fire every step, ours at most every
 * τ_ref), the spike at the step's end instead of its interpolated time (the remainder is lost
 * at reset), no floor at 0, the synapse's two Euler stages instead of Nengo's zero-order-hold
 * alpha, and no one-step synaptic delay (NIR has none); behind a synapse the bias reaches the
 * LIF as v_leak at once, as ours is added after the filter. The file is right at the model's dt only (NIR stores
 * none): run it with `--dt` equal to it. ALIF has no approximation (its adaptive threshold is
 * the model) and is refused as before.
 */
import type { ResolvedLayer } from "../snn/index.js";

type Tensor = { data: Float32Array | Float64Array; shape: number[] };
export type Field = Float32Array | Float64Array | number | number[] | string | Tensor;
export interface OutNode {
  type: string;
  fields: Record<string, Field>;
}

/** τ* of the module comment: Euler at τ* steps exactly as exp(−dt/τ) does. */
export const eulerTau = (tau: number, dt: number): number => dt / -Math.expm1(-dt / tau);

/** Kinds this module approximates (the rest are exact, or refused). */
export const APPROXIMATED_NEURONS = new Set(["lif", "leaky_integrator"]);

export interface ApproximatedLayer {
  /** Nodes in order; the first takes the layer's inputs, the last is named as the layer. */
  nodes: Array<[string, OutNode]>;
  /** What the approximation changed, for the report. */
  changes: string[];
}

/** The layer's bias per output neuron (per-channel bias repeated over H×W), or zeros. */
function biasPerNeuron(l: ResolvedLayer): Float32Array {
  const n = l.neurons;
  const out = new Float32Array(n);
  if (!l.bias) return out;
  const per = n / l.bias.length;
  for (let i = 0; i < n; i++) out[i] = l.bias[Math.floor(i / per)];
  return out;
}

/**
 * The chain for weighted layer `l` (its weighted node already built with h_in·W, with the bias
 * only when there is no synapse, `weighted`), or for a `neurons` layer (`weighted` null).
 * `dt` is the model's.
 */
export function approximateLayer(
  l: ResolvedLayer,
  name: string,
  weighted: OutNode | null,
  dt: number,
): ApproximatedLayer {
  const s = l.spec as ResolvedLayer["spec"] & {
    neuron: { model: string } & Record<string, number>;
    synapse?: { type: string; tau?: number };
  };
  const n = l.neurons;
  const shape = [...l.outShape];
  const changes: string[] = [];
  const nodes: Array<[string, OutNode]> = [];
  const full = (v: number) => ({ data: new Float64Array(n).fill(v), shape });
  const synapse = s.synapse?.type ?? "none";
  // Without a synapse the weighted node carries the bias already.
  const bias = synapse === "none" ? new Float32Array(n) : biasPerNeuron(l);
  const hasBias = bias.some((b) => b !== 0);
  if (weighted) nodes.push([`${name}.w`, weighted]);
  const neuron = s.neuron;
  // Where the bias goes: the neuron's v_leak (lif, leaky_integrator), else the synapse's.
  const biasInNeuron = neuron.model !== "linear";
  const leak = (into: boolean) => ({ data: into ? bias : new Float32Array(n), shape });
  if (synapse !== "none") {
    const tau = eulerTau(s.synapse!.tau!, dt);
    const vLeak = leak(!biasInNeuron);
    const node: OutNode =
      synapse === "lowpass"
        ? { type: "LI", fields: { tau: full(tau), r: full(1), v_leak: vLeak } }
        : {
            type: "CubaLI",
            fields: {
              tau_syn: full(tau),
              tau_mem: full(tau),
              r: full(1),
              v_leak: vLeak,
              w_in: full(1),
            },
          };
    changes.push(
      `${synapse} synapse τ ${s.synapse!.tau} s as ${synapse === "lowpass" ? "LI" : "CubaLI"} ` +
        `τ ${tau.toPrecision(6)} s (Euler stages instead of Nengo's zero-order hold, no one-step delay)`,
    );
    nodes.push([neuron.model === "linear" ? name : `${name}.syn`, node]);
  }
  switch (neuron.model) {
    case "lif": {
      const tau = eulerTau(neuron.tau_rc, dt);
      nodes.push([
        name,
        {
          type: "LIF",
          fields: {
            tau: full(tau),
            r: full(1),
            v_leak: leak(true),
            v_threshold: full(neuron.v_th ?? 1),
            v_reset: full(0),
          },
        },
      ]);
      changes.push(
        `LIF τ_rc ${neuron.tau_rc} s as NIR LIF τ ${tau.toPrecision(6)} s (exact below threshold at dt ${dt} s)` +
          `, refractory period ${neuron.tau_ref} s dropped, spike timing to the step, v not floored at ${neuron.min_voltage ?? 0}` +
          `, spike height ${neuron.amplitude ?? 1}/dt carried by the next weights` +
          (hasBias ? ", bias as v_leak" : ""),
      );
      break;
    }
    case "leaky_integrator": {
      const tau = eulerTau(neuron.tau, dt);
      nodes.push([
        name,
        { type: "LI", fields: { tau: full(tau), r: full(1), v_leak: leak(true) } },
      ]);
      changes.push(
        `leaky integrator τ ${neuron.tau} s as NIR LI τ ${tau.toPrecision(6)} s (exact at dt ${dt} s)`,
      );
      break;
    }
    case "linear":
      // No synapse: the weighted node (an Affine when there is a bias) is the whole layer.
      if (synapse === "none") nodes[0][0] = name;
      else if (hasBias)
        changes.push("bias as the synapse node's v_leak (filtered in its second stage)");
      break;
    default:
      throw new Error(`approximateLayer: no approximation for neuron ${neuron.model}`);
  }
  return { nodes, changes };
}
