/**
 * The fast engine: event-driven synaptic input. Only neurons that spiked this tick touch memory
 * downstream, so the cost of synaptic input is proportional to spikes x fan-out.
 *
 * Layout: for every weighted layer, a scatter table maps each source neuron to "runs": triples
 * (accumulator offset, weight offset, length) of contiguous values. Dense layers store W
 * transposed ([in][out]) so a spike adds one contiguous row; conv layers keep neurons
 * channels-last ([oy][ox][oc]) and weights as [ic][ky][kx reversed][oc], so the kw runs of oc
 * values one kernel row adds (neighbouring ox, kx descending) are contiguous in both arrays and
 * merge into one run when the stride is 1 (longer runs scatter ~15% faster). Pooling and flatten between two weighted layers are folded into
 * the table (a spike reaches the pooled cells containing it; the 1/area factor is applied with the
 * spike height, once per neuron, when the accumulator is read). Weights stay float32; currents,
 * voltages and accumulators are float64 (the golden network needs it to reproduce Nengo exactly).
 *
 * Kernels: with WebAssembly SIMD, the spike scatter (wasm-scatter.ts) and the common case of the
 * LIF update (wasm-lif.ts: not refractory, not spiking) run over arrays kept in one WebAssembly
 * memory; neurons in a partial refractory step or spiking are finished here with Math.expm1 /
 * Math.log1p, so the arithmetic is the reference's operation for operation. `{ wasm: false }`
 * runs everything in JavaScript (tests compare the two).
 *
 * Neurons: every kind runs through its own module's step (neurons/<kind>.ts, the generic path);
 * LIF layers also have overrides (Lava's tagged implementations of one process): fused current
 * and update, parking of sub-threshold neurons under a constant input, the WebAssembly kernel.
 * All of them update a neuron through the one lifTick (neurons/lif.ts).
 *
 * Graphs (format version 2): a layer's first input keeps every path above; further inputs (a
 * summing junction) each have a JavaScript scatter table and accumulator, added into J. An input
 * from the layer itself or a later one reads that layer's spike list or output before it is
 * updated this tick, i.e. the previous tick's (NIR's cut edge).
 */
import type { Model, ResolvedLayer } from "./model.js";
import { NetworkBase } from "./network.js";
import {
  allocateState,
  initialMembrane,
  lifTick,
  neuronKind,
  spikeHeight,
} from "./neurons/index.js";
import type { LifConstants, NeuronKind, NeuronState } from "./neurons/index.js";
import { convGeometry, poolGeometry } from "./layer-geometry.js";
import { filterCoefficients } from "./topology.js";
import type { StageEdge, WeightedStage } from "./topology.js";
import { GATHER_BLOCK, instantiateGather } from "./wasm-gather.js";
import type { GatherKernels } from "./wasm-gather.js";
import { instantiateLif } from "./wasm-lif.js";
import type { LifKernels } from "./wasm-lif.js";
import { Arena, instantiateScatter, scatterModule } from "./wasm-scatter.js";
import type { ScatterFn } from "./wasm-scatter.js";

/** Byte offsets of a scatter table's arrays inside the WebAssembly memory. */
interface TableOffsets {
  start: number;
  acc: number;
  w: number;
  len: number;
  weights: number;
}

/** Byte offsets of a layer's gather arrays (wasm-gather.ts) inside the WebAssembly memory. */
interface GatherOffsets {
  start: number;
  cell: number;
  w: number;
  /** Next free entry address of each cell (wasm-gather.ts). */
  ptr: number;
  E: number;
  cap: number;
  cells: number;
  weights: number;
  /** Weights stored as float64 (small tables: saves the promotion in the kernel). */
  f64: boolean;
}

/** Largest weight table (bytes as float64) the gather keeps in float64. */
const GATHER_F64_MAX_BYTES = 1 << 20;

/** Scatter table: source neuron i owns runs [start[i], start[i+1]). */
export interface ScatterTable {
  start: Int32Array;
  acc: Int32Array;
  w: Int32Array;
  /** Length of each run, a multiple of runLen. */
  len: Int32Array;
  /** Granularity of the runs: dense out, conv oc. */
  runLen: number;
  /** Weights in the table's layout. */
  weights: Float32Array;
}

const SYN_NONE = 0;
const SYN_LOWPASS = 1;
const SYN_ALPHA = 2;

/**
 * An input of a layer beyond its first (graphs: several inputs are summed), in JavaScript only:
 * its own scatter table and accumulator, added into J by currents().
 */
interface ExtraEdge {
  /** Source stage, or -1 for the network input. */
  source: number;
  table: ScatterTable;
  srcFanout: Float64Array;
  spikingSource: boolean;
  inputScale: number;
  /** Unscaled; an input edge's stays while the input is constant, the others' are cleared on read. */
  acc: Float64Array;
}

/** Synaptic operations of one event from each source neuron of a scatter table. */
function tableFanout(table: ScatterTable): Float64Array {
  const fan = new Float64Array(table.start.length - 1);
  for (let i = 0; i < fan.length; i++)
    for (let r = table.start[i]; r < table.start[i + 1]; r++) fan[i] += table.len[r];
  return fan;
}

interface FastLayer {
  stage: WeightedStage;
  /**
   * Scale or neurons layer whose first input is elementwise in the source's order (isDirect):
   * acc[i] += weight[i]·value[i], no scatter table walk.
   */
  direct: boolean;
  /** A neurons layer: no synaptic operations to count on its inputs. */
  noSynapses: boolean;
  /** Inputs after the first (edges[1..]), summed in currents(). */
  extraEdges: ExtraEdge[];
  n: number;
  /** internal index -> channels-first index */
  toCf: Int32Array;
  table: ScatterTable;
  /** Synaptic operations of one event from each source neuron (internal order). */
  srcFanout: Float64Array;
  /** Source emits spikes (an index list) rather than values. */
  spikingSource: boolean;
  /** Multiplies the accumulator: the source's spike height x the pooling factor between. */
  inputScale: number;
  acc: Float64Array;
  /** Scatter table of the layer's own spikes fed back (recurrent_dense), else null. */
  rec: ScatterTable | null;
  /** Height of this layer's own spikes (what its recurrent input and its output carry). */
  ownSpikeHeight: number;
  accRec: Float64Array;
  bias: Float64Array;
  synapse: number;
  /** Synaptic filter coefficients (topology.ts filterCoefficients). */
  filterA: number;
  filterB1: number;
  filterB2: number;
  y1: Float64Array;
  y2: Float64Array;
  uPrev: Float64Array;
  /**
   * First layer only: its input current for a constant input, computed once per frame (fused
   * LIF layers: bias included; others: before synapse and bias).
   */
  inputCurrent: Float64Array;
  J: Float64Array;
  kind: NeuronKind;
  /** The kind's per-layer constants (NeuronKind.prepare). */
  constants: unknown;
  /** The kind's per-neuron state in internal order; state.v is the membrane. */
  state: NeuronState;
  /** state.v at reset (internal order), or null for 0 (kind.ts initialMembrane). */
  v0: Float64Array | null;
  /** The LIF constants when the kind is LIF (the fused, parking and WebAssembly paths), else null. */
  lif: LifConstants | null;
  /** Non-spiking output values (leaky, linear), internal order. */
  out: Float64Array;
  spikeList: Int32Array;
  nSpikes: number;
  /** LIF, no synapse, no recurrence: current computed inside the neuron loop. */
  fused: boolean;
  /**
   * Parking (first layer, constant current, LIF, not the last layer): a neuron whose current is
   * at or below threshold cannot spike until the current changes, so its updates are deferred and
   * replayed exactly (same arithmetic, tick by tick) only when the input changes; after a reset
   * they are simply dropped. Only `active` neurons are updated every tick.
   */
  park: boolean;
  active: Int32Array;
  nActive: number;
  parked: Int32Array;
  nParked: number;
  parkTick: number;
  ticks: number;
  /** Where the WebAssembly kernel finds this layer's arrays (null: JavaScript scatter). */
  wasmTable: TableOffsets | null;
  wasmRec: TableOffsets | null;
  /** Spike input through the blocked gather kernel instead (null: scatter). */
  wasmGather: GatherOffsets | null;
  accOff: number;
  accRecOff: number;
  listOff: number;
  /** Byte offsets of the LIF kernel's arrays (WebAssembly memory). */
  biasOff: number;
  jOff: number;
  inputCurrentOff: number;
  vOff: number;
  refOff: number;
  /** Neurons the LIF kernel leaves to JavaScript (partial refractory step or spiking). */
  special: Int32Array;
  specialOff: number;
  /** Parking layers under the kernel: active neurons' J, v, ref gathered contiguously. */
  activeJ: Float64Array;
  activeV: Float64Array;
  activeRef: Float64Array;
  activeJOff: number;
  activeVOff: number;
  activeRefOff: number;
}

/** Permutation internal -> channels-first for a layer's neurons (conv: channels-last inside). */
function internalToCf(layer: ResolvedLayer | null, n: number): Int32Array {
  const p = new Int32Array(n);
  const g = layer === null ? null : convGeometry(layer.spec, layer.inShape);
  if (g !== null) {
    const { oc, oh, ow } = g;
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let o = 0; o < oc; o++) p[(y * ow + x) * oc + o] = (o * oh + y) * ow + x;
  } else {
    for (let i = 0; i < n; i++) p[i] = i;
  }
  return p;
}

/** Positions (channels-first, in the layer's input space) reached from each source position. */
function forwardThroughBetween(between: readonly ResolvedLayer[], nSrc: number): number[][] {
  let reach: number[][] = Array.from({ length: nSrc }, (_, i) => [i]);
  for (const b of between) {
    const g = poolGeometry(b.spec, b.inShape);
    if (g === null) continue;
    const { h, w, oh, ow, kh, kw, sh, sw, pt, pl } = g;
    const cells = (pos: number): number[] => {
      const c = Math.floor(pos / (h * w));
      const y = (Math.floor(pos / w) % h) + pt; // in padded coordinates
      const x = (pos % w) + pl;
      const out: number[] = [];
      for (
        let py = Math.max(0, Math.ceil((y - kh + 1) / sh));
        py <= Math.floor(y / sh) && py < oh;
        py++
      )
        for (
          let px = Math.max(0, Math.ceil((x - kw + 1) / sw));
          px <= Math.floor(x / sw) && px < ow;
          px++
        )
          out.push((c * oh + py) * ow + px);
      return out;
    };
    reach = reach.map((list) => list.flatMap(cells));
  }
  return reach;
}

/**
 * Runs (acc offset, weight offset) for one input position q (channels-first) of a weighted
 * layer. `cfToInternal` maps the layer's channels-first neuron index to its internal one (scale
 * and neurons layers, whose order may follow their source's).
 */
function runsOf(
  layer: ResolvedLayer,
  q: number,
  accOut: number[],
  wOut: number[],
  cfToInternal: Int32Array,
): void {
  const spec = layer.spec;
  if (spec.type === "dense" || spec.type === "recurrent_dense") {
    accOut.push(0);
    wOut.push(q * layer.outShape[0]);
    return;
  }
  if (spec.type === "scale" || spec.type === "neurons") {
    accOut.push(cfToInternal[q]);
    wOut.push(cfToInternal[q]);
    return;
  }
  const g = convGeometry(spec, layer.inShape);
  if (g === null) return;
  const { h, w, oc, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, icg, ocg } = g;
  const c = Math.floor(q / (h * w));
  const y = Math.floor(q / w) % h;
  const x = q % w;
  const group = Math.floor(c / icg);
  const cl = c - group * icg;
  const o0 = group * ocg;
  for (let ky = 0; ky < kh; ky++) {
    const ty = y + pt - ky * dh;
    if (ty < 0 || ty % sh !== 0 || ty / sh >= oh) continue;
    const oy = ty / sh;
    for (let kx = kw - 1; kx >= 0; kx--) {
      const tx = x + pl - kx * dw;
      if (tx < 0 || tx % sw !== 0 || tx / sw >= ow) continue;
      const ox = tx / sw;
      accOut.push((oy * ow + ox) * oc + o0);
      wOut.push(((cl * kh + ky) * kw + (kw - 1 - kx)) * oc + o0);
    }
  }
}

/**
 * Weights re-laid out for scattering: dense [in][out], conv [ic/groups][ky][kx reversed][oc],
 * scale the factor in the layer's internal order, neurons ones.
 */
function scatterWeights(layer: ResolvedLayer, toCf: Int32Array): Float32Array {
  const spec = layer.spec;
  if (spec.type === "neurons") return new Float32Array(toCf.length).fill(1);
  const W = layer.weights!;
  if (spec.type === "scale") return Float32Array.from(toCf, (cf) => W[cf]);
  if (spec.type === "conv2d" || spec.type === "conv1d") {
    const { oc, icg: ic, kh, kw } = convGeometry(spec, layer.inShape)!;
    const t = new Float32Array(W.length);
    for (let o = 0; o < oc; o++)
      for (let c = 0; c < ic; c++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++)
            t[((c * kh + ky) * kw + (kw - 1 - kx)) * oc + o] =
              W[((o * ic + c) * kh + ky) * kw + kx];
    return t;
  }
  return transpose(W, layer.outShape[0], W.length / layer.outShape[0]);
}

/** Values per run: dense out, conv out channels per group, scale and neurons 1. */
function runLenOf(layer: ResolvedLayer): number {
  const spec = layer.spec;
  if (spec.type === "scale" || spec.type === "neurons") return 1;
  const g = convGeometry(spec, layer.inShape);
  return g !== null ? g.ocg : layer.outShape[0];
}

function transpose(W: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(W.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = W[r * cols + c];
  return t;
}

/**
 * Build the scatter table of one edge into a weighted stage (default its first), indexed by the
 * source's internal neuron order.
 */
export function buildScatterTable(
  stage: WeightedStage,
  srcToCf: Int32Array,
  edge: StageEdge = stage.edges[0],
  dstToCf: Int32Array = internalToCf(stage.resolved, stage.neurons),
): ScatterTable {
  const layer = stage.resolved;
  const nSrc = srcToCf.length;
  const reach = forwardThroughBetween(edge.between, nSrc);
  const start = new Int32Array(nSrc + 1);
  const cfToInternal = new Int32Array(dstToCf.length);
  dstToCf.forEach((cf, i) => (cfToInternal[cf] = i));
  // Dense: one run of `out` values; conv: runs of the group's output channels; scale, neurons: 1.
  const runLen = runLenOf(layer);
  const acc: number[] = [];
  const w: number[] = [];
  const len: number[] = [];
  const a1: number[] = [];
  const w1: number[] = [];
  for (let i = 0; i < nSrc; i++) {
    start[i] = acc.length;
    a1.length = 0;
    w1.length = 0;
    for (const q of reach[srcToCf[i]]) runsOf(layer, q, a1, w1, cfToInternal);
    for (let r = 0; r < a1.length; r++) {
      // Extend the previous run of this source when both arrays continue it.
      const last = acc.length - 1;
      if (last >= start[i] && acc[last] + len[last] === a1[r] && w[last] + len[last] === w1[r]) {
        len[last] += runLen;
      } else {
        acc.push(a1[r]);
        w.push(w1[r]);
        len.push(runLen);
      }
    }
  }
  start[nSrc] = acc.length;
  return {
    start,
    acc: Int32Array.from(acc),
    w: Int32Array.from(w),
    len: Int32Array.from(len),
    runLen,
    weights: scatterWeights(layer, dstToCf),
  };
}

/**
 * The gather kernel's view of a scatter table: runs split back into runs of runLen values, each
 * feeding one cell (runLen accumulators), and the most entries a cell can receive in one tick.
 */
function gatherRuns(
  t: ScatterTable,
  n: number,
): { start: Int32Array; cell: Int32Array; w: Int32Array; cells: number; cap: number } {
  const len = t.runLen;
  const cells = n / len;
  const nSrc = t.start.length - 1;
  const start = new Int32Array(nSrc + 1);
  const cell: number[] = [];
  const w: number[] = [];
  const perCell = new Int32Array(cells);
  for (let i = 0; i < nSrc; i++) {
    start[i] = cell.length;
    for (let r = t.start[i]; r < t.start[i + 1]; r++) {
      for (let j = 0; j < t.len[r]; j += len) {
        const c = (t.acc[r] + j) / len;
        cell.push(c);
        w.push(t.w[r] + j);
        perCell[c]++;
      }
    }
  }
  start[nSrc] = cell.length;
  return {
    start,
    cell: Int32Array.from(cell),
    w: Int32Array.from(w),
    cells,
    cap: perCell.reduce((m, x) => (x > m ? x : m), 1),
  };
}

/** Add one contiguous weight run per run of each listed source neuron (spikes: value 1). */
function scatterSpikes(list: Int32Array, count: number, t: ScatterTable, acc: Float64Array): void {
  const start = t.start;
  const runAcc = t.acc;
  const runW = t.w;
  const runLen = t.len;
  const W = t.weights;
  for (let s = 0; s < count; s++) {
    const i = list[s];
    const rEnd = start[i + 1];
    for (let r = start[i]; r < rEnd; r++) {
      const a0 = runAcc[r];
      const d = runW[r] - a0;
      const aEnd = a0 + runLen[r];
      for (let a = a0; a < aEnd; a++) acc[a] += W[a + d];
    }
  }
}

/** Same for non-spiking sources: every non-zero value scatters value x weight. */
function scatterValues(values: ArrayLike<number>, t: ScatterTable, acc: Float64Array): void {
  const start = t.start;
  const runAcc = t.acc;
  const runW = t.w;
  const runLen = t.len;
  const W = t.weights;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x === 0) continue;
    const rEnd = start[i + 1];
    for (let r = start[i]; r < rEnd; r++) {
      const a0 = runAcc[r];
      const d = runW[r] - a0;
      const aEnd = a0 + runLen[r];
      for (let a = a0; a < aEnd; a++) acc[a] += x * W[a + d];
    }
  }
}

/** acc[i] += W[i]·x[i]: an elementwise (scale, neurons) first input in the source's order. */
function directValues(x: ArrayLike<number>, W: Float32Array, acc: Float64Array): void {
  for (let i = 0; i < x.length; i++) acc[i] += W[i] * x[i];
}

/**
 * A scale or neurons stage whose first input comes elementwise from an earlier stage or the
 * network input, through flatten layers at most: it can keep its source's neuron order.
 */
function isDirect(stage: WeightedStage, k: number): boolean {
  const type = stage.resolved.spec.type;
  const e = stage.edges[0];
  return (
    (type === "scale" || type === "neurons") &&
    e.source < k &&
    e.between.every((b) => b.spec.type === "flatten")
  );
}

export class FastNetwork extends NetworkBase {
  private readonly L: FastLayer[];
  private inputValid = false;
  private readonly lastToCf: Int32Array;
  private readonly scatter: ScatterFn | null;
  private readonly lif: LifKernels | null;
  private readonly gather: GatherKernels | null;

  /** `wasm: false` keeps every kernel in JavaScript (tests compare both paths). */
  constructor(model: Model, options: { wasm?: boolean } = {}) {
    super(model, "fast");
    const dt = model.spec.dt;
    const inputToCf = internalToCf(null, model.encodedSize);
    // Every stage's neuron order first: an edge that closes a cycle reads a later stage. A scale
    // or neurons layer fed elementwise by an earlier stage (or the input), through flatten layers
    // at most, takes its source's order, so its first input is a copy (isDirect).
    const toCfs: Int32Array[] = [];
    for (const [k, stage] of this.stages.entries()) {
      const e = stage.edges[0];
      toCfs.push(
        isDirect(stage, k)
          ? e.source < 0
            ? inputToCf
            : toCfs[e.source]
          : internalToCf(stage.resolved, stage.neurons),
      );
    }
    const sourceOf = (edge: StageEdge) => {
      const src = edge.source < 0 ? null : this.stages[edge.source];
      const spiking = src !== null && src.spiking;
      return {
        toCf: edge.source < 0 ? inputToCf : toCfs[edge.source],
        spiking,
        scale: (spiking ? spikeHeight(src.neuron, dt) : 1) * edge.poolFactor,
      };
    };
    const L: FastLayer[] = [];
    for (const [k, stage] of this.stages.entries()) {
      const r = stage.resolved;
      const n = stage.neurons;
      const toCf = toCfs[k];
      const first = sourceOf(stage.edges[0]);
      const table = buildScatterTable(stage, first.toCf, stage.edges[0], toCf);
      // A neurons layer's input is its neurons' own, not synapses: no synaptic operations.
      const noSynapses = r.spec.type === "neurons";
      const fanoutOf = (t: ScatterTable) =>
        noSynapses ? new Float64Array(t.start.length - 1) : tableFanout(t);
      const srcFanout = fanoutOf(table);
      const spikingSource = first.spiking;
      const inputScale = first.scale;
      const extraEdges = stage.edges.slice(1).map((edge): ExtraEdge => {
        const from = sourceOf(edge);
        const t = buildScatterTable(stage, from.toCf, edge, toCf);
        return {
          source: edge.source,
          table: t,
          srcFanout: fanoutOf(t),
          spikingSource: from.spiking,
          inputScale: from.scale,
          acc: new Float64Array(n),
        };
      });
      const spec = r.spec;
      let rec: ScatterTable | null = null;
      if (spec.type === "recurrent_dense") {
        const start = new Int32Array(n + 1);
        const w = new Int32Array(n);
        for (let i = 0; i <= n; i++) start[i] = i;
        for (let i = 0; i < n; i++) w[i] = i * n;
        rec = {
          start,
          acc: new Int32Array(n),
          w,
          len: new Int32Array(n).fill(n),
          runLen: n,
          weights: transpose(r.recurrentWeights!, n, n),
        };
      }
      const bias = new Float64Array(n);
      if (r.bias) {
        const per = n / r.bias.length;
        for (let i = 0; i < n; i++) bias[i] = r.bias[Math.floor(toCf[i] / per)];
      }
      const syn = "synapse" in spec ? spec.synapse : null;
      const coeff = filterCoefficients(syn && syn.type !== "none" ? syn.tau : 1, dt);
      const neuron = stage.neuron;
      const kind = neuronKind(neuron.model);
      // Per-neuron tensors are channels-first in the file; the layer's neurons are internal order.
      // Built once per field (a kind may ask for a field more than once).
      const reordered = new Map<string, Float64Array>();
      const perNeuron = (field: string): Float64Array => {
        let v = reordered.get(field);
        if (v === undefined) {
          const src = r.neuronTensors[field];
          v = Float64Array.from(toCf, (cf) => src[cf]);
          reordered.set(field, v);
        }
        return v;
      };
      const constants = kind.prepare(neuron, { n, dt, perNeuron });
      const isLif = neuron.model === "lif";
      L.push({
        stage,
        direct: isDirect(stage, k),
        noSynapses,
        extraEdges,
        n,
        toCf,
        table,
        srcFanout,
        spikingSource,
        inputScale,
        acc: new Float64Array(n),
        rec,
        ownSpikeHeight: kind.spikeHeight(neuron, dt),
        accRec: new Float64Array(rec ? n : 0),
        bias,
        synapse:
          syn === null || syn.type === "none"
            ? SYN_NONE
            : syn.type === "lowpass"
              ? SYN_LOWPASS
              : SYN_ALPHA,
        filterA: coeff.a,
        filterB1: coeff.b1,
        filterB2: coeff.b2,
        y1: new Float64Array(n),
        y2: new Float64Array(n),
        uPrev: new Float64Array(n),
        inputCurrent: new Float64Array(stage.source < 0 ? n : 0),
        J: new Float64Array(n),
        kind,
        constants,
        state: allocateState(kind, n),
        v0: initialMembrane(kind, neuron, stage.layer, n, toCf),
        lif: isLif ? (constants as LifConstants) : null,
        out: new Float64Array(stage.spiking ? 0 : n),
        spikeList: new Int32Array(n),
        nSpikes: 0,
        fused:
          isLif && (syn === null || syn.type === "none") && rec === null && extraEdges.length === 0,
        park: false,
        active: new Int32Array(stage.source < 0 ? n : 0),
        nActive: 0,
        parked: new Int32Array(stage.source < 0 ? n : 0),
        nParked: 0,
        parkTick: 0,
        ticks: 0,
        wasmTable: null,
        wasmRec: null,
        wasmGather: null,
        accOff: 0,
        accRecOff: 0,
        listOff: 0,
        biasOff: 0,
        jOff: 0,
        inputCurrentOff: 0,
        vOff: 0,
        refOff: 0,
        special: new Int32Array(0),
        specialOff: 0,
        activeJ: new Float64Array(0),
        activeV: new Float64Array(0),
        activeRef: new Float64Array(0),
        activeJOff: 0,
        activeVOff: 0,
        activeRefOff: 0,
      });
    }
    for (const l of L) l.park = l.fused && l.stage.source < 0 && l !== L[L.length - 1];
    this.L = L;
    const kernels = options.wasm !== false && scatterModule() !== null ? this.moveToWasm() : null;
    this.scatter = kernels?.scatter ?? null;
    this.lif = kernels?.lif ?? null;
    this.gather = kernels?.gather ?? null;
    this.lastToCf = L[L.length - 1].toCf;
  }

  /**
   * Move the arrays the kernels touch into one WebAssembly memory (allocated once, never grown)
   * and instantiate the kernels over it. Layers fed by spikes with runs of a multiple of 4 use the
   * scatter kernel; LIF layers use the LIF kernel. Null (nothing moved) without WebAssembly SIMD.
   */
  private moveToWasm(): { scatter: ScatterFn; lif: LifKernels; gather: GatherKernels } | null {
    const arena = new Arena();
    const plan = (t: ScatterTable): TableOffsets => ({
      start: arena.reserve(t.start.byteLength),
      acc: arena.reserve(t.acc.byteLength),
      w: arena.reserve(t.w.byteLength),
      len: arena.reserve(t.len.byteLength),
      weights: arena.reserve(t.weights.byteLength),
    });
    const useGather = (l: FastLayer): boolean =>
      l.spikingSource && l.table.runLen % GATHER_BLOCK === 0;
    const useTable = (l: FastLayer): boolean => l.spikingSource && l.table.runLen % 4 === 0;
    const gathers = new Map<FastLayer, ReturnType<typeof gatherRuns>>();
    for (const l of this.L) {
      l.listOff = arena.reserve(l.spikeList.byteLength);
      l.accOff = arena.reserve(l.acc.byteLength);
      l.accRecOff = arena.reserve(l.accRec.byteLength);
      if (useGather(l)) {
        const g = gatherRuns(l.table, l.n);
        gathers.set(l, g);
        const f64 = l.table.weights.length * 8 <= GATHER_F64_MAX_BYTES;
        l.wasmGather = {
          start: arena.reserve(g.start.byteLength),
          cell: arena.reserve(g.cell.byteLength),
          w: arena.reserve(g.w.byteLength),
          ptr: arena.reserve(g.cells * 4),
          E: arena.reserve(g.cells * g.cap * 4),
          cap: g.cap,
          cells: g.cells,
          weights: arena.reserve(l.table.weights.length * (f64 ? 8 : 4)),
          f64,
        };
      } else if (useTable(l)) l.wasmTable = plan(l.table);
      if (l.rec !== null && l.rec.runLen % 4 === 0) l.wasmRec = plan(l.rec);
      // The Arena rounds every array up to 16 bytes: room for the LIF kernel's padding lane.
      l.biasOff = arena.reserve(l.bias.byteLength);
      l.jOff = arena.reserve(l.J.byteLength);
      l.inputCurrentOff = arena.reserve(l.inputCurrent.byteLength);
      l.vOff = arena.reserve(l.state.v.byteLength);
      l.refOff = arena.reserve(l.lif !== null ? l.state.ref.byteLength : 0);
      l.specialOff = arena.reserve(l.lif !== null ? (l.n + 1) * 4 : 0);
      const nc = l.park ? l.n : 0;
      l.activeJOff = arena.reserve(nc * 8);
      l.activeVOff = arena.reserve(nc * 8);
      l.activeRefOff = arena.reserve(nc * 8);
    }
    const memory = arena.commit();
    const scatter = instantiateScatter(memory);
    const lif = instantiateLif(memory);
    const gather = instantiateGather(memory);
    if (scatter === null || lif === null || gather === null) return null;
    const buf = memory.buffer;
    const move = (t: ScatterTable, o: TableOffsets): ScatterTable => {
      const moved: ScatterTable = {
        start: new Int32Array(buf, o.start, t.start.length),
        acc: new Int32Array(buf, o.acc, t.acc.length),
        w: new Int32Array(buf, o.w, t.w.length),
        len: new Int32Array(buf, o.len, t.len.length),
        weights: new Float32Array(buf, o.weights, t.weights.length),
        runLen: t.runLen,
      };
      moved.start.set(t.start);
      moved.acc.set(t.acc);
      moved.w.set(t.w);
      moved.len.set(t.len);
      moved.weights.set(t.weights);
      return moved;
    };
    const f64 = (old: Float64Array, off: number): Float64Array => {
      const a = new Float64Array(buf, off, old.length);
      a.set(old);
      return a;
    };
    for (const l of this.L) {
      l.spikeList = new Int32Array(buf, l.listOff, l.spikeList.length);
      l.acc = f64(l.acc, l.accOff);
      l.accRec = f64(l.accRec, l.accRecOff);
      if (l.wasmTable !== null) l.table = move(l.table, l.wasmTable);
      const g = gathers.get(l);
      const go = l.wasmGather;
      if (g !== undefined && go !== null) {
        new Int32Array(buf, go.start, g.start.length).set(g.start);
        // Pre-scaled to bytes, as the kernels take them.
        const wBytes = go.f64 ? 8 : 4;
        const cell = new Int32Array(buf, go.cell, g.cell.length);
        for (let r = 0; r < cell.length; r++) cell[r] = g.cell[r] * 4;
        const w = new Int32Array(buf, go.w, g.w.length);
        for (let r = 0; r < w.length; r++) w[r] = g.w[r] * wBytes;
        const ptr = new Int32Array(buf, go.ptr, g.cells);
        for (let c = 0; c < g.cells; c++) ptr[c] = go.E + c * g.cap * 4;
        const Arr = go.f64 ? Float64Array : Float32Array;
        new Arr(buf, go.weights, l.table.weights.length).set(l.table.weights);
      }
      if (l.rec !== null && l.wasmRec !== null) l.rec = move(l.rec, l.wasmRec);
      l.bias = f64(l.bias, l.biasOff);
      l.J = f64(l.J, l.jOff);
      l.inputCurrent = f64(l.inputCurrent, l.inputCurrentOff);
      l.state.v = f64(l.state.v, l.vOff);
      if (l.lif !== null) l.state.ref = f64(l.state.ref, l.refOff);
      l.special = new Int32Array(buf, l.specialOff, l.lif !== null ? l.n + 1 : 0);
      const nc = l.park ? l.n : 0;
      l.activeJ = new Float64Array(buf, l.activeJOff, nc + (nc & 1));
      l.activeV = new Float64Array(buf, l.activeVOff, nc + (nc & 1));
      l.activeRef = new Float64Array(buf, l.activeRefOff, nc + (nc & 1));
    }
    return { scatter, lif, gather };
  }

  /** The scatter tables, for tests that check them against the brute-force fan-outs. */
  get tables(): readonly { table: ScatterTable; srcFanout: Float64Array; toCf: Int32Array }[] {
    return this.L;
  }

  protected clearState(): void {
    for (const l of this.L) {
      l.acc.fill(0);
      for (const e of l.extraEdges) e.acc.fill(0);
      l.accRec.fill(0);
      l.y1.fill(0);
      l.y2.fill(0);
      l.uPrev.fill(0);
      for (const name in l.state) l.state[name].fill(0);
      if (l.v0 !== null) l.state.v.set(l.v0);
      l.out.fill(0);
      l.nSpikes = 0;
      l.nParked = 0;
      l.nActive = 0;
    }
  }

  protected invalidateInput(): void {
    this.inputValid = false;
  }

  protected step(input: Float32Array | Float64Array, constant: boolean): void {
    const fresh = !(constant && this.inputValid);
    this.inputValid = constant;
    const L = this.L;
    for (let k = 0; k < L.length; k++) {
      const l = L[k];
      this.synapticInput(k, l, input, fresh);
      if (l.fused) {
        // LIF without synapse or recurrence: current, bias and neuron in one pass.
        if (this.lif !== null) this.stepLifWasm(l, this.lif);
        else if (l.park) this.stepLifActive(l);
        else if (l.stage.source < 0) this.stepNeurons(l, l.inputCurrent);
        else this.stepLifFused(l);
      } else {
        this.currents(k, l);
        if (l.lif !== null && this.lif !== null) this.stepLifWasm(l, this.lif);
        else this.stepNeurons(l, l.J);
      }
      this.layerSpikes[k] += l.nSpikes;
    }

    // Last layer's outputs, channels-first.
    const last = L[L.length - 1];
    const toCf = this.lastToCf;
    const output = this.output;
    const spikes = this.spikes;
    const membrane = this.membrane;
    if (last.stage.spiking) {
      output.fill(0);
      spikes.fill(0);
      const h = last.ownSpikeHeight;
      for (let s = 0; s < last.nSpikes; s++) {
        const c = toCf[last.spikeList[s]];
        output[c] = h;
        spikes[c] = 1;
      }
    } else {
      for (let i = 0; i < last.n; i++) output[toCf[i]] = last.out[i];
    }
    const v = last.state.v;
    for (let i = 0; i < last.n; i++) membrane[toCf[i]] = v[i];
  }

  /**
   * Scatter this tick's events into the layer's accumulator (unscaled) and count synaptic
   * operations. The first layer's input is scattered only when fresh; its scaled result is kept
   * in inputCurrent (fused LIF layers add the bias there once per frame).
   */
  private synapticInput(
    k: number,
    l: FastLayer,
    input: Float32Array | Float64Array,
    fresh: boolean,
  ): void {
    this.firstEdgeInput(k, l, input, fresh);
    for (const e of l.extraEdges) this.extraEdgeInput(k, e, input, fresh);
  }

  /** A layer's input beyond its first, scattered in JavaScript into the edge's accumulator. */
  private extraEdgeInput(
    k: number,
    e: ExtraEdge,
    input: Float32Array | Float64Array,
    fresh: boolean,
  ): void {
    let ops = 0;
    if (e.source < 0) {
      if (!fresh) return;
      e.acc.fill(0);
      scatterValues(input, e.table, e.acc);
      for (let i = 0; i < input.length; i++) if (input[i] !== 0) ops += e.srcFanout[i];
      this.inputOps += ops;
    } else {
      const src = this.L[e.source];
      if (e.spikingSource) {
        scatterSpikes(src.spikeList, src.nSpikes, e.table, e.acc);
        for (let s = 0; s < src.nSpikes; s++) ops += e.srcFanout[src.spikeList[s]];
      } else {
        scatterValues(src.out, e.table, e.acc);
        for (let i = 0; i < src.out.length; i++) if (src.out[i] !== 0) ops += e.srcFanout[i];
      }
    }
    this.layerSynops[k] += ops;
  }

  /** The layer's first input (the chain's only one), with the WebAssembly and parking paths. */
  private firstEdgeInput(
    k: number,
    l: FastLayer,
    input: Float32Array | Float64Array,
    fresh: boolean,
  ): void {
    const acc = l.acc;
    if (l.stage.source < 0) {
      if (!fresh) return;
      if (l.park) {
        if (this.lif !== null) this.scatterBackActive(l);
        this.unpark(l);
      }
      acc.fill(0);
      if (l.direct) directValues(input, l.table.weights, acc);
      else scatterValues(input, l.table, acc);
      let ops = 0;
      for (let i = 0; i < input.length; i++) if (input[i] !== 0) ops += l.srcFanout[i];
      this.layerSynops[k] += ops;
      this.inputOps += ops;
      const current = l.inputCurrent;
      const scale = l.inputScale;
      if (l.fused) for (let i = 0; i < l.n; i++) current[i] = acc[i] * scale + l.bias[i];
      else for (let i = 0; i < l.n; i++) current[i] = acc[i] * scale;
      if (l.park && l.lif !== null) {
        const vTh = l.lif.vTh;
        let na = 0;
        let np = 0;
        for (let i = 0; i < l.n; i++) {
          if (current[i] > vTh) l.active[na++] = i;
          else l.parked[np++] = i;
        }
        l.nActive = na;
        l.nParked = np;
        l.parkTick = l.ticks;
        if (this.lif !== null) this.gatherActive(l);
      }
      return;
    }
    const src = this.L[l.stage.source];
    if (l.spikingSource) {
      const list = src.spikeList;
      const count = src.nSpikes;
      if (count === 0) return;
      const o = l.wasmTable;
      const g = l.wasmGather;
      if (l.direct) {
        const W = l.table.weights;
        for (let s = 0; s < count; s++) acc[list[s]] += W[list[s]];
      } else if (g !== null && this.gather !== null) {
        this.gather.bucket(src.listOff, count, g.start, g.cell, g.w, g.ptr);
        const f = g.f64 ? this.gather.gatherF64 : this.gather.gather;
        f(g.cells, g.ptr, g.E, g.cap, g.weights, l.accOff, l.table.runLen);
      } else if (o !== null && this.scatter !== null) {
        this.scatter(src.listOff, count, o.start, o.acc, o.w, o.len, o.weights, l.accOff);
      } else scatterSpikes(list, count, l.table, acc);
      let ops = 0;
      for (let s = 0; s < count; s++) ops += l.srcFanout[list[s]];
      this.layerSynops[k] += ops;
    } else {
      if (l.direct) directValues(src.out, l.table.weights, acc);
      else scatterValues(src.out, l.table, acc);
      if (l.noSynapses) return; // a neurons layer: its input is no synapse, nothing to count
      let ops = 0;
      for (let i = 0; i < src.out.length; i++) if (src.out[i] !== 0) ops += l.srcFanout[i];
      this.layerSynops[k] += ops;
    }
  }

  /** J = synapse(acc*inputScale + recurrent) + bias, for the layers not fused into stepLifFused. */
  private currents(k: number, l: FastLayer): void {
    const n = l.n;
    const J = l.J;
    if (l.stage.source < 0) J.set(l.inputCurrent);
    else {
      const acc = l.acc;
      const scale = l.inputScale;
      for (let i = 0; i < n; i++) {
        J[i] = acc[i] * scale;
        acc[i] = 0;
      }
    }
    for (const e of l.extraEdges) {
      // Summing junction: every further input adds its scaled accumulator.
      const acc = e.acc;
      const scale = e.inputScale;
      const keep = e.source < 0; // the input's current is kept while the input is constant
      for (let i = 0; i < n; i++) {
        J[i] += acc[i] * scale;
        if (!keep) acc[i] = 0;
      }
    }
    if (l.rec !== null) {
      // Own spikes of the previous tick (still in spikeList) fed back.
      const accRec = l.accRec;
      if (l.nSpikes > 0) {
        const o = l.wasmRec;
        if (o !== null && this.scatter !== null) {
          this.scatter(l.listOff, l.nSpikes, o.start, o.acc, o.w, o.len, o.weights, l.accRecOff);
        } else scatterSpikes(l.spikeList, l.nSpikes, l.rec, accRec);
        this.layerSynops[k] += l.nSpikes * n;
      }
      const height = l.ownSpikeHeight;
      for (let i = 0; i < n; i++) {
        J[i] += accRec[i] * height;
        accRec[i] = 0;
      }
    }
    // Synapse (Nengo's one-step delay) and bias: J becomes the current the neuron sees.
    const bias = l.bias;
    if (l.synapse === SYN_NONE) {
      for (let i = 0; i < n; i++) J[i] += bias[i];
    } else if (l.synapse === SYN_LOWPASS) {
      const a = l.filterA;
      const y1 = l.y1;
      for (let i = 0; i < n; i++) {
        const u = J[i];
        J[i] = y1[i] + bias[i];
        y1[i] = a * y1[i] + (1 - a) * u;
      }
    } else {
      const a = l.filterA;
      const a2 = a * a;
      const b1 = l.filterB1;
      const b2 = l.filterB2;
      const y1 = l.y1;
      const y2 = l.y2;
      const uPrev = l.uPrev;
      for (let i = 0; i < n; i++) {
        const u = J[i];
        J[i] = y1[i] + bias[i];
        const y = 2 * a * y1[i] - a2 * y2[i] + b1 * u + b2 * uPrev[i];
        y2[i] = y1[i];
        y1[i] = y;
        uPrev[i] = u;
      }
    }
  }

  /** The neuron kind's own step (neurons/<kind>.ts) on current J: every kind's generic path. */
  private stepNeurons(l: FastLayer, J: Float64Array): void {
    l.nSpikes = l.kind.step(l.constants, l.state, J, l.n, l.spikeList, l.out);
  }

  /**
   * LIF with J = acc*inputScale + bias computed inside the neuron loop, acc cleared as it is read:
   * the same (acc*scale) + bias the other paths compute, then lifTick.
   */
  private stepLifFused(l: FastLayer): void {
    const c = l.lif!;
    const { dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin } = c;
    const acc = l.acc;
    const scale = l.inputScale;
    const bias = l.bias;
    const V = l.state.v;
    const R = l.state.ref;
    const list = l.spikeList;
    let ns = 0;
    const n = l.n;
    for (let i = 0; i < n; i++) {
      const j = acc[i] * scale + bias[i];
      acc[i] = 0;
      if (lifTick(V, R, i, j, dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin)) list[ns++] = i;
    }
    l.nSpikes = ns;
  }

  /**
   * One LIF tick through the WebAssembly kernel: the common case for all neurons in SIMD, then the
   * listed ones (partial refractory step, spikes) here, through lifTick.
   */
  private stepLifWasm(l: FastLayer, k: LifKernels): void {
    const c = l.lif!;
    const { dt, fullStepExpm1, vTh, vMin } = c;
    let count: number;
    let lanes: number;
    if (l.park) {
      lanes = l.nActive;
      count = k.lifConst(
        lanes,
        l.activeJOff,
        l.activeVOff,
        l.activeRefOff,
        l.specialOff,
        dt,
        fullStepExpm1,
        vTh,
        vMin,
      );
      this.finishLif(l, count, lanes, l.activeJ, l.activeV, l.activeRef, l.active);
      l.ticks++;
      return;
    }
    lanes = l.n;
    if (l.fused && l.stage.source >= 0) {
      count = k.lifAcc(
        lanes,
        l.accOff,
        l.biasOff,
        l.jOff,
        l.vOff,
        l.refOff,
        l.specialOff,
        l.inputScale,
        dt,
        fullStepExpm1,
        vTh,
        vMin,
      );
      this.finishLif(l, count, lanes, l.J, l.state.v, l.state.ref, null);
    } else {
      const jOff = l.fused ? l.inputCurrentOff : l.jOff;
      count = k.lifConst(lanes, jOff, l.vOff, l.refOff, l.specialOff, dt, fullStepExpm1, vTh, vMin);
      this.finishLif(l, count, lanes, l.fused ? l.inputCurrent : l.J, l.state.v, l.state.ref, null);
    }
  }

  /** Finish the neurons the LIF kernel listed; spike indices through `map` when given. */
  private finishLif(
    l: FastLayer,
    count: number,
    lanes: number,
    J: Float64Array,
    V: Float64Array,
    R: Float64Array,
    map: Int32Array | null,
  ): void {
    const { dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin } = l.lif!;
    const special = l.special;
    const list = l.spikeList;
    let ns = 0;
    for (let s = 0; s < count; s++) {
      const i = special[s];
      if (i >= lanes) break; // the padding lane, always last
      if (lifTick(V, R, i, J[i], dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin)) {
        list[ns++] = map === null ? i : map[i];
      }
    }
    l.nSpikes = ns;
  }

  /** Gather the active neurons' current and state into the kernel's contiguous arrays. */
  private gatherActive(l: FastLayer): void {
    const { active, activeJ, activeV, activeRef, inputCurrent } = l;
    const { v, ref } = l.state;
    const na = l.nActive;
    for (let a = 0; a < na; a++) {
      const i = active[a];
      activeJ[a] = inputCurrent[i];
      activeV[a] = v[i];
      activeRef[a] = ref[i];
    }
    // Padding lane of an odd count: a neuron at rest that never reaches the JavaScript pass.
    if (na & 1) {
      activeJ[na] = 0;
      activeV[na] = 0;
      activeRef[na] = 0;
    }
  }

  /** Write the active neurons' state back before the layer is re-partitioned. */
  private scatterBackActive(l: FastLayer): void {
    const { active, activeV, activeRef } = l;
    const { v, ref } = l.state;
    for (let a = 0; a < l.nActive; a++) {
      const i = active[a];
      v[i] = activeV[a];
      ref[i] = activeRef[a];
    }
  }

  /** LIF over the active neurons of a parking layer (J = inputCurrent, bias included). */
  private stepLifActive(l: FastLayer): void {
    const { dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin } = l.lif!;
    const J = l.inputCurrent;
    const V = l.state.v;
    const R = l.state.ref;
    const active = l.active;
    const list = l.spikeList;
    let ns = 0;
    for (let a = 0; a < l.nActive; a++) {
      const i = active[a];
      if (lifTick(V, R, i, J[i], dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin)) list[ns++] = i;
    }
    // `active` is ascending, so the spike list is too (as in the full pass): same summation order.
    l.nSpikes = ns;
    l.ticks++;
  }

  /**
   * Replay the deferred updates of parked neurons, tick by tick through lifTick. Their current
   * is at or below v_th, and v moves toward it from below threshold, so none of them spikes.
   */
  private unpark(l: FastLayer): void {
    const c = l.lif;
    if (c === null || l.nParked === 0) return;
    const ticks = l.ticks - l.parkTick;
    const { dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin } = c;
    const J = l.inputCurrent;
    const V = l.state.v;
    const R = l.state.ref;
    for (let p = 0; p < l.nParked; p++) {
      const i = l.parked[p];
      const j = J[i];
      for (let t = 0; t < ticks; t++) {
        lifTick(V, R, i, j, dt, fullStepExpm1, tauRc, tauRefPlusDt, vTh, vMin);
      }
    }
    l.nParked = 0;
  }
}
