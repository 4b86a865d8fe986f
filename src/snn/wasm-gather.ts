/**
 * Synaptic input of one tick as a blocked gather, in WebAssembly SIMD: the same sums as the spike
 * scatter (wasm-scatter.ts), but each accumulator value is loaded and stored once per tick
 * instead of once per spike. It suits tables whose runs each feed one "cell" of `len`
 * accumulators (a conv output position's oc channels, or a dense layer's whole output), with
 * `len` a multiple of 16.
 *
 *   bucket(list, count, start, runCell, runW, cnt, E, cap)
 *       for each listed source neuron i = list[s], for each run r in [start[i], start[i+1]):
 *       E[runCell[r] * cap + cnt[cell]++] = runW[r]   (weight offsets, grouped by cell)
 *   gather(cells, cnt, E, cap, W, acc, len)
 *       for each cell with cnt > 0: acc[cell*len .. +len) += sum over its entries e of
 *       W[E[e] .. +len) (float32 promoted to float64), 16 values at a time in registers, entries
 *       in the order bucket listed them; then cnt[cell] = 0.
 *   gatherF64(...)   the same with float64 weights (no promotion: ~17% faster on the bench
 *       conv layer; worth it where the weights still fit in cache as float64).
 * Addresses are byte offsets into the imported memory; offsets in tables count values.
 */
import { Code, compileOnce, I32, instantiate, moduleBytes, op, simd, V128 } from "./wasm-asm.js";
import type { FuncDef, WasmMemory } from "./wasm-asm.js";

const i32Mul = 0x6c;

function bucketFunc(): FuncDef {
  const P = { list: 0, count: 1, start: 2, runCell: 3, runW: 4, cnt: 5, E: 6, cap: 7 };
  const L = { s: 8, i: 9, r: 10, rEnd: 11, cell: 12, c: 13, slot: 14 };
  const c = new Code();
  const at = (base: number, index: number): Code =>
    c.get(base).get(index).i32(2).emit(op.i32Shl, op.i32Add);
  const load = (offset = 0): Code => c.emit(op.i32Load, 2, offset);

  c.emit(op.block, op.void, op.loop, op.void);
  {
    c.get(L.s).get(P.count).emit(op.i32GeU, op.brIf, 1);
    at(P.list, L.s);
    load().set(L.i);
    at(P.start, L.i);
    load().set(L.r);
    at(P.start, L.i);
    load(4).set(L.rEnd);
    c.emit(op.block, op.void, op.loop, op.void);
    {
      c.get(L.r).get(L.rEnd).emit(op.i32GeU, op.brIf, 1);
      at(P.runCell, L.r);
      load().set(L.cell);
      at(P.cnt, L.cell).tee(L.slot);
      load().set(L.c);
      // E[cell * cap + c] = runW[r]
      c.get(P.E).get(L.cell).get(P.cap).emit(i32Mul).get(L.c).emit(op.i32Add);
      c.i32(2).emit(op.i32Shl, op.i32Add);
      at(P.runW, L.r);
      load().emit(op.i32Store, 2, 0);
      c.get(L.slot).get(L.c).i32(1).emit(op.i32Add, op.i32Store, 2, 0);
      c.get(L.r).i32(1).emit(op.i32Add).set(L.r).emit(op.br, 0);
    }
    c.emit(op.end, op.end);
    c.get(L.s).i32(1).emit(op.i32Add).set(L.s).emit(op.br, 0);
  }
  c.emit(op.end, op.end);
  return {
    name: "bucket",
    params: Array<typeof I32>(8).fill(I32),
    results: [],
    locals: Array<typeof I32>(7).fill(I32),
    code: c,
  };
}

const REGS = 8; // f64x2 accumulators: 16 values per block

function gatherFunc(f64w = false): FuncDef {
  const P = { cells: 0, cnt: 1, E: 2, cap: 3, W: 4, acc: 5, len: 6 };
  const L = { cell: 7, n: 8, e: 9, eEnd: 10, a: 11, aEnd: 12, b: 13, e0: 14, slot: 15, r: 16 };
  const c = new Code();

  c.emit(op.block, op.void, op.loop, op.void);
  {
    c.get(L.cell).get(P.cells).emit(op.i32GeU, op.brIf, 1);
    c.get(P.cnt).get(L.cell).i32(2).emit(op.i32Shl, op.i32Add).tee(L.slot);
    c.emit(op.i32Load, 2, 0).tee(L.n).emit(op.if, op.void);
    {
      c.get(L.slot).i32(0).emit(op.i32Store, 2, 0);
      // e0 = E + cell*cap*4; eEnd = e0 + n*4; a = acc + cell*len*8; aEnd = a + len*8; b = 0
      c.get(P.E).get(L.cell).get(P.cap).emit(i32Mul).i32(2).emit(op.i32Shl, op.i32Add).tee(L.e0);
      c.get(L.n).i32(2).emit(op.i32Shl, op.i32Add).set(L.eEnd);
      c.get(P.acc).get(L.cell).get(P.len).emit(i32Mul).i32(3).emit(op.i32Shl, op.i32Add).tee(L.a);
      c.get(P.len).i32(3).emit(op.i32Shl, op.i32Add).set(L.aEnd);
      c.i32(0).set(L.b);
      c.emit(op.loop, op.void);
      {
        for (let h = 0; h < REGS; h++)
          c.get(L.a)
            .vload(16 * h)
            .set(L.r + h);
        c.get(L.e0).set(L.e);
        c.emit(op.loop, op.void);
        {
          // w = W + (E[e] + b) * 4, kept on the stack via a local reuse of slot
          c.get(P.W).get(L.e).emit(op.i32Load, 2, 0).get(L.b).emit(op.i32Add);
          c.i32(f64w ? 3 : 2)
            .emit(op.i32Shl, op.i32Add)
            .set(L.slot);
          for (let h = 0; h < REGS; h++) {
            c.get(L.r + h).get(L.slot);
            if (f64w) c.vload(16 * h);
            else c.v(simd.v128Load64Zero, 3, 8 * h).v(simd.f64x2PromoteLowF32x4);
            c.v(simd.f64x2Add).set(L.r + h);
          }
          c.get(L.e).i32(4).emit(op.i32Add).tee(L.e).get(L.eEnd).emit(op.i32LtU, op.brIf, 0);
        }
        c.emit(op.end);
        for (let h = 0; h < REGS; h++)
          c.get(L.a)
            .get(L.r + h)
            .vstore(16 * h);
        c.get(L.b)
          .i32(2 * REGS)
          .emit(op.i32Add)
          .set(L.b);
        c.get(L.a)
          .i32((32 * REGS) / 2)
          .emit(op.i32Add)
          .tee(L.a)
          .get(L.aEnd);
        c.emit(op.i32LtU, op.brIf, 0);
      }
      c.emit(op.end);
    }
    c.emit(op.end);
    c.get(L.cell).i32(1).emit(op.i32Add).set(L.cell).emit(op.br, 0);
  }
  c.emit(op.end, op.end);
  return {
    name: f64w ? "gatherF64" : "gather",
    params: Array<typeof I32>(7).fill(I32),
    results: [],
    locals: [...Array<typeof I32>(9).fill(I32), ...Array<typeof V128>(REGS).fill(V128)],
    code: c,
  };
}

/** Values per block of the gather; `len` must be a multiple of it. */
export const GATHER_BLOCK = 2 * REGS;

export type BucketFn = (
  list: number,
  count: number,
  start: number,
  runCell: number,
  runW: number,
  cnt: number,
  E: number,
  cap: number,
) => void;
export type GatherFn = (
  cells: number,
  cnt: number,
  E: number,
  cap: number,
  W: number,
  acc: number,
  len: number,
) => void;

export interface GatherKernels {
  bucket: BucketFn;
  gather: GatherFn;
  gatherF64: GatherFn;
}

export const gatherModule = compileOnce(() =>
  moduleBytes([bucketFunc(), gatherFunc(), gatherFunc(true)]),
);

export function instantiateGather(memory: WasmMemory): GatherKernels | null {
  const mod = gatherModule();
  if (mod === null) return null;
  const e = instantiate(mod, memory);
  return {
    bucket: e.bucket as BucketFn,
    gather: e.gather as GatherFn,
    gatherF64: e.gatherF64 as GatherFn,
  };
}
