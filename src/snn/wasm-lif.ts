/**
 * The bulk of Nengo's LIF.step in WebAssembly SIMD, two neurons per instruction. It performs, in
 * the same IEEE order as `stepLif` in fast.ts, the update of every neuron that is neither in its
 * last (partial) refractory step nor spiking this tick:
 *     ref = R - dt;  v' = ref <= 0 ? v - (j - v) * expm1(-dt/tau_rc) : v
 *     R = ref;  V = v' < min_voltage ? min_voltage : v'
 * and lists the others (0 < ref < dt, or v' > v_th) without touching their V and R, so that
 * JavaScript finishes them with Math.expm1 / Math.log1p exactly as the reference does. Indices are
 * listed in ascending order. Arrays must have room for an even number of lanes (the Arena's
 * 16-byte rounding gives it); a padding lane may be listed as index n and must be skipped.
 *
 * Exported functions (addresses are byte offsets into the imported memory; returns the count):
 *   lifAcc(n, acc, bias, J, V, R, list, scale, dt, em1, vth, vmin): j = acc*scale + bias is
 *       stored in J and acc is cleared (layers fed by the event-driven scatter);
 *   lifConst(n, J, V, R, list, dt, em1, vth, vmin): j read from J (constant or filtered currents).
 */
import {
  Code,
  compileOnce,
  F64,
  I32,
  instantiate,
  moduleBytes,
  op,
  simd,
  V128,
} from "./wasm-asm.js";
import type { FuncDef, WasmMemory } from "./wasm-asm.js";

function lifFunc(withAcc: boolean): FuncDef {
  let k = 0;
  const P = {
    n: k++,
    acc: withAcc ? k++ : -1,
    bias: withAcc ? k++ : -1,
    J: k++,
    V: k++,
    R: k++,
    list: k++,
    scale: withAcc ? k++ : -1,
    dt: k++,
    em1: k++,
    vth: k++,
    vmin: k++,
  };
  const params = [
    ...Array<number>(withAcc ? 7 : 5).fill(I32),
    ...Array<number>(withAcc ? 5 : 4).fill(F64),
  ] as (typeof I32 | typeof F64)[];
  const L = {
    p: k++,
    end: k++,
    cnt: k++,
    bits: k++,
    idx: k++,
    sScale: k++,
    sDt: k++,
    sEm1: k++,
    sVth: k++,
    sVmin: k++,
    sZero: k++,
    j: k++,
    r0: k++,
    ref: k++,
    v0: k++,
    v1: k++,
    spec: k,
  };
  const locals = [...Array<number>(5).fill(I32), ...Array<number>(12).fill(V128)] as (
    typeof I32 | typeof V128
  )[];

  const c = new Code();
  const at = (base: number): Code => c.get(base).get(L.p).emit(op.i32Add);
  const splat = (param: number, local: number): Code => c.get(param).v(simd.f64x2Splat).set(local);
  if (withAcc) splat(P.scale, L.sScale);
  splat(P.dt, L.sDt);
  splat(P.em1, L.sEm1);
  splat(P.vth, L.sVth);
  splat(P.vmin, L.sVmin);
  c.emit(op.f64Const, 0, 0, 0, 0, 0, 0, 0, 0).v(simd.f64x2Splat).set(L.sZero);
  // end = ceil(n / 2) * 16 bytes
  c.get(P.n).i32(1).emit(op.i32Add).i32(1).emit(op.i32ShrU).i32(4).emit(op.i32Shl).set(L.end);

  c.emit(op.block, op.void, op.loop, op.void);
  c.get(L.p).get(L.end).emit(op.i32GeU, op.brIf, 1);
  if (withAcc) {
    at(P.J);
    at(P.acc).vload().get(L.sScale).v(simd.f64x2Mul);
    at(P.bias).vload().v(simd.f64x2Add).tee(L.j).vstore();
    at(P.acc).get(L.sZero).vstore();
  } else {
    at(P.J).vload().set(L.j);
  }
  at(P.R).vload().tee(L.r0).get(L.sDt).v(simd.f64x2Sub).set(L.ref);
  at(P.V).vload().set(L.v0);
  // v1 = ref <= 0 ? v0 - (j - v0) * em1 : v0
  c.get(L.v0).get(L.j).get(L.v0).v(simd.f64x2Sub).get(L.sEm1).v(simd.f64x2Mul).v(simd.f64x2Sub);
  c.get(L.v0).get(L.ref).get(L.sZero).v(simd.f64x2Le).v(simd.v128Bitselect).set(L.v1);
  // spec = (0 < ref < dt) | (v1 > vth)
  c.get(L.ref).get(L.sZero).v(simd.f64x2Gt).get(L.ref).get(L.sDt).v(simd.f64x2Lt).v(simd.v128And);
  c.get(L.v1).get(L.sVth).v(simd.f64x2Gt).v(simd.v128Or).set(L.spec);
  // V = spec ? v0 : pmax(v1, vmin)  (pmax(a, b) = a < b ? b : a);  R = spec ? r0 : ref
  at(P.V).get(L.v0).get(L.v1).get(L.sVmin).v(simd.f64x2Pmax);
  c.get(L.spec).v(simd.v128Bitselect).vstore();
  at(P.R).get(L.r0).get(L.ref).get(L.spec).v(simd.v128Bitselect).vstore();
  // List the lanes of spec, lowest first, without branching: both indices are written and the
  // count advances by each lane's bit. (Branching on any_true first measured ~40% slower: at
  // 20-40 Hz a pair is listed often enough for the branch to mispredict.)
  {
    c.get(L.spec).v(simd.i64x2Bitmask).set(L.bits);
    c.get(L.p).i32(3).emit(op.i32ShrU).set(L.idx);
    c.get(P.list).get(L.cnt).i32(2).emit(op.i32Shl, op.i32Add).get(L.idx).emit(op.i32Store, 2, 0);
    c.get(L.cnt).get(L.bits).i32(1).emit(op.i32And, op.i32Add).set(L.cnt);
    c.get(P.list).get(L.cnt).i32(2).emit(op.i32Shl, op.i32Add);
    c.get(L.idx).i32(1).emit(op.i32Add, op.i32Store, 2, 0);
    c.get(L.cnt).get(L.bits).i32(1).emit(op.i32ShrU, op.i32Add).set(L.cnt);
  }
  c.get(L.p).i32(16).emit(op.i32Add).set(L.p).emit(op.br, 0);
  c.emit(op.end, op.end);
  c.get(L.cnt);
  return {
    name: withAcc ? "lifAcc" : "lifConst",
    params,
    results: [I32],
    locals,
    code: c,
  };
}

export type LifAccFn = (
  n: number,
  acc: number,
  bias: number,
  J: number,
  V: number,
  R: number,
  list: number,
  scale: number,
  dt: number,
  em1: number,
  vth: number,
  vmin: number,
) => number;

export type LifConstFn = (
  n: number,
  J: number,
  V: number,
  R: number,
  list: number,
  dt: number,
  em1: number,
  vth: number,
  vmin: number,
) => number;

export interface LifKernels {
  lifAcc: LifAccFn;
  lifConst: LifConstFn;
}

/** The compiled kernel module, or null where WebAssembly SIMD is unavailable. */
export const lifModule = compileOnce(() => moduleBytes([lifFunc(true), lifFunc(false)]));

/** Instantiate the kernels over a memory (null where WebAssembly SIMD is unavailable). */
export function instantiateLif(memory: WasmMemory): LifKernels | null {
  const mod = lifModule();
  if (mod === null) return null;
  const e = instantiate(mod, memory);
  return { lifAcc: e.lifAcc as LifAccFn, lifConst: e.lifConst as LifConstFn };
}
