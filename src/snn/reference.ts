/**
 * The reference engine: every layer computed densely every tick, in channels-first order, written
 * to be read next to Nengo's synapse discretisation; each neuron kind's update is its module's
 * step (neurons/), which the fast engine's generic path runs too. The fast engine must produce the same spikes (test/snn).
 */
import type { Model } from "./model.js";
import { NetworkBase } from "./network.js";
import { allocateState, initialMembrane, neuronKind } from "./neurons/index.js";
import type { NeuronKind, NeuronState } from "./neurons/index.js";
import { convGeometry, poolGeometry } from "./layer-geometry.js";
import type { ConvGeometry, PoolGeometry } from "./layer-geometry.js";
import { filterCoefficients } from "./topology.js";
import type { FilterCoefficients, WeightedStage } from "./topology.js";

interface RefLayer {
  stage: WeightedStage;
  n: number;
  /** Per edge, buffers for the pooled/flattened input of each `between` layer. */
  pooled: Float64Array[][];
  /** The sum of the edges' values (layers with several inputs). */
  summed: Float64Array;
  u: Float64Array;
  bias: Float64Array;
  synapse: "none" | "lowpass" | "alpha";
  filter: FilterCoefficients;
  /** This tick's input current after the synapse, bias included. */
  J: Float64Array;
  rec: Float64Array;
  y1: Float64Array;
  y2: Float64Array;
  uPrev: Float64Array;
  kind: NeuronKind;
  /** The kind's per-layer constants (NeuronKind.prepare). */
  constants: unknown;
  /** The kind's per-neuron state; state.v is the membrane (LIF v, ALIF u, leaky u, linear J). */
  state: NeuronState;
  /** state.v at reset, or null for 0 (kind.ts initialMembrane). */
  v0: Float64Array | null;
  /** Neurons that spiked this tick, ascending (spiking kinds). */
  spikeList: Int32Array;
  spikeHeight: number;
  spk: Uint8Array;
  /** This tick's output: spike height where spiked, or the value of a non-spiking neuron. */
  out: Float64Array;
}

export class ReferenceNetwork extends NetworkBase {
  private readonly L: RefLayer[];
  private inputValid = false;

  constructor(model: Model) {
    super(model, "reference");
    const dt = model.spec.dt;
    this.L = this.stages.map((stage) => {
      const n = stage.neurons;
      const r = stage.resolved;
      const bias = new Float64Array(n);
      if (r.bias) {
        const per = n / r.bias.length; // conv: one bias per channel, channels-first
        for (let i = 0; i < n; i++) bias[i] = r.bias[Math.floor(i / per)];
      }
      const syn = "synapse" in r.spec ? r.spec.synapse : null;
      const neuron = stage.neuron;
      const kind = neuronKind(neuron.model);
      const constants = kind.prepare(neuron, {
        n,
        dt,
        perNeuron: (field) => r.neuronTensors[field],
      });
      return {
        stage,
        n,
        pooled: stage.edges.map((e) =>
          e.between.map((b) => new Float64Array(b.outShape.reduce((a, c) => a * c, 1))),
        ),
        summed: new Float64Array(stage.edges.length > 1 ? r.inShape.reduce((a, c) => a * c, 1) : 0),
        u: new Float64Array(n),
        bias,
        synapse: syn?.type ?? "none",
        filter: filterCoefficients(syn && syn.type !== "none" ? syn.tau : 1, dt),
        J: new Float64Array(n),
        rec: new Float64Array(n),
        y1: new Float64Array(n),
        y2: new Float64Array(n),
        uPrev: new Float64Array(n),
        kind,
        constants,
        state: allocateState(kind, n),
        v0: initialMembrane(kind, neuron, stage.layer, n),
        spikeList: new Int32Array(n),
        spikeHeight: kind.spikeHeight(neuron, dt),
        spk: new Uint8Array(n),
        out: new Float64Array(n),
      };
    });
  }

  protected clearState(): void {
    for (const l of this.L) {
      for (const a of [l.u, l.y1, l.y2, l.uPrev, l.out, ...Object.values(l.state)]) a.fill(0);
      if (l.v0 !== null) l.state.v.set(l.v0);
      l.spk.fill(0);
    }
  }

  protected invalidateInput(): void {
    this.inputValid = false;
  }

  protected step(input: Float32Array | Float64Array, constant: boolean): void {
    const freshInput = !(constant && this.inputValid);
    this.inputValid = constant;
    for (let k = 0; k < this.L.length; k++) {
      const l = this.L[k];
      const st = l.stage;
      // The layer's input x: the sum of its edges' values, each through its pooling/flatten
      // layers. A source not yet updated this tick (this layer or a later one: an edge that
      // closes a cycle) still holds its previous tick's output.
      let x: ArrayLike<number> = l.summed;
      if (st.edges.length > 1) l.summed.fill(0);
      st.edges.forEach((edge, e) => {
        const src: ArrayLike<number> = edge.source < 0 ? input : this.L[edge.source].out;
        // Synaptic operations: every non-zero source value reaches its fan-out.
        if (edge.source >= 0 || freshInput) {
          let ops = 0;
          for (let i = 0; i < src.length; i++) if (src[i] !== 0) ops += edge.fanout[i];
          this.layerSynops[k] += ops;
          if (edge.source < 0) this.inputOps += ops;
        }
        let y: ArrayLike<number> = src;
        edge.between.forEach((b, bi) => {
          const g = poolGeometry(b.spec, b.inShape);
          if (g !== null) {
            pool(y, g, l.pooled[e][bi]);
            y = l.pooled[e][bi];
          }
        });
        if (st.edges.length === 1) x = y;
        else for (let i = 0; i < y.length; i++) l.summed[i] += y[i];
      });

      const r = st.resolved;
      const spec = r.spec;
      if (spec.type === "dense" || spec.type === "recurrent_dense") {
        matvec(r.weights!, l.n, x.length, x, l.u);
        if (spec.type === "recurrent_dense") {
          const prev = l.out; // still the previous tick's output
          let prevSpikes = 0;
          for (let i = 0; i < l.n; i++) if (prev[i] !== 0) prevSpikes++;
          this.layerSynops[k] += prevSpikes * l.n;
          const rec = l.rec;
          matvec(r.recurrentWeights!, l.n, l.n, prev, rec);
          for (let i = 0; i < l.n; i++) l.u[i] += rec[i];
        }
      } else if (spec.type === "conv2d" || spec.type === "conv1d") {
        conv(x, convGeometry(spec, r.inShape)!, r.weights!, l.u);
      } else if (spec.type === "scale") {
        const factor = r.weights!;
        for (let i = 0; i < l.n; i++) l.u[i] = factor[i] * x[i];
      } else if (spec.type === "neurons") {
        for (let i = 0; i < l.n; i++) l.u[i] = x[i];
      }

      // Synapse (Nengo: the filtered current read this tick reflects input up to the previous tick).
      const J = l.J;
      if (l.synapse === "none") {
        for (let i = 0; i < l.n; i++) J[i] = l.u[i] + l.bias[i];
      } else if (l.synapse === "lowpass") {
        const a = l.filter.a;
        for (let i = 0; i < l.n; i++) {
          J[i] = l.y1[i] + l.bias[i];
          l.y1[i] = a * l.y1[i] + (1 - a) * l.u[i];
        }
      } else {
        const { a, b1, b2 } = l.filter;
        for (let i = 0; i < l.n; i++) {
          J[i] = l.y1[i] + l.bias[i];
          const y = 2 * a * l.y1[i] - a * a * l.y2[i] + b1 * l.u[i] + b2 * l.uPrev[i];
          l.y2[i] = l.y1[i];
          l.y1[i] = y;
          l.uPrev[i] = l.u[i];
        }
      }

      // The neuron kind's step (neurons/<kind>.ts), the same function the fast engine's generic
      // path runs; the engines differ in how they compute J.
      l.spk.fill(0);
      const count = l.kind.step(l.constants, l.state, J, l.n, l.spikeList, l.out);
      if (l.kind.spiking) {
        l.out.fill(0);
        for (let s = 0; s < count; s++) {
          l.spk[l.spikeList[s]] = 1;
          l.out[l.spikeList[s]] = l.spikeHeight;
        }
      }
      let spikes = 0;
      for (let i = 0; i < l.n; i++) spikes += l.spk[i];
      this.layerSpikes[k] += spikes;
    }
    const last = this.L[this.L.length - 1];
    this.output.set(last.out);
    this.spikes.set(last.spk);
    this.membrane.set(last.state.v);
  }
}

/** y = W x with W row-major [rows, cols]. */
export function matvec(
  W: Float32Array,
  rows: number,
  cols: number,
  x: ArrayLike<number>,
  y: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += W[r * cols + c] * x[c];
    y[r] = sum;
  }
}

/**
 * Naive channels-first convolution (cross-correlation, as in PyTorch): stride, dilation, zero
 * padding, groups; conv1d as height 1. Weights [oc, ic/groups, kh, kw].
 */
export function conv(
  x: ArrayLike<number>,
  g: ConvGeometry,
  W: Float32Array,
  y: Float64Array,
): void {
  const { h, w, oc, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, icg, ocg } = g;
  for (let o = 0; o < oc; o++) {
    const c0 = Math.floor(o / ocg) * icg; // first input channel of o's group
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let sum = 0;
        for (let ci = 0; ci < icg; ci++) {
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= w) continue;
              sum += W[((o * icg + ci) * kh + ky) * kw + kx] * x[((c0 + ci) * h + iy) * w + ix];
            }
          }
        }
        y[(o * oh + oy) * ow + ox] = sum;
      }
    }
  }
}

/** Naive channels-first pooling with zero padding: window sum / divisor (avg kh·kw, sum 1). */
export function pool(x: ArrayLike<number>, g: PoolGeometry, y: Float64Array): void {
  const { c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, divisor } = g;
  for (let ci = 0; ci < c; ci++) {
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        let sum = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = py * sh - pt + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = px * sw - pl + kx;
            if (ix < 0 || ix >= w) continue;
            sum += x[(ci * h + iy) * w + ix];
          }
        }
        y[(ci * oh + py) * ow + px] = sum / divisor;
      }
    }
  }
}
