/**
 * Synaptic input of one tick as a blocked gather, in WebAssembly SIMD: the same sums as the spike
 * scatter (wasm-scatter.ts), but each accumulator value is loaded and stored once per tick
 * instead of once per spike. It suits tables whose runs each feed one "cell" of `len`
 * accumulators (a conv output position's oc channels, or a dense layer's whole output), with
 * `len` a multiple of 16.
 *
 *   bucket(list, count, start, runCell, runW, ptr)
 *       for each listed source neuron i = list[s], for each run r in [start[i], start[i+1]):
 *       append runW[r] at ptr[cell] (cell = runCell[r]) and advance ptr[cell] by 4.
 *   gather(cells, ptr, E, cap, W, acc, len)
 *       cell c's entries run from E + 4*c*cap to ptr[c]; for each cell with entries:
 *       acc[c*len .. +len) += sum over its entries of the `len` weights at W + entry, 16 values at
 *       a time in registers, entries in the order bucket wrote them; then ptr[c] is rewound.
 *       Float32 weights, promoted to float64.
 *   gatherF64(...)   the same with float64 weights (no promotion: ~17% faster on the bench
 *       conv layer; worth it where the weights still fit in cache as float64).
 * Addresses are byte offsets into the imported memory. Pre-scaled to bytes so the loops do no
 * index arithmetic: runCell holds 4*cell, runW the weight offset times the weight size, ptr[c]
 * the address of cell c's next entry (initially E + 4*c*cap).
 */
import { Code, compileOnce, I32, instantiate, moduleBytes, op, simd, V128 } from "./wasm-asm.js";
import type { FuncDef, WasmMemory } from "./wasm-asm.js";

const i32Ne = 0x47;

function bucketFunc(): FuncDef {
  const P = { list: 0, count: 1, start: 2, runCell: 3, runW: 4, ptr: 5 };
  const L = { s: 6, i: 7, r: 8, rEnd: 9, slot: 10, p: 11 };
  const c = new Code();
  const load = (offset = 0): Code => c.emit(op.i32Load, 2, offset);

  c.get(P.count).i32(2).emit(op.i32Shl).set(P.count); // s and count in bytes
  c.emit(op.block, op.void, op.loop, op.void);
  {
    c.get(L.s).get(P.count).emit(op.i32GeU, op.brIf, 1);
    c.get(P.list).get(L.s).emit(op.i32Add);
    load().i32(2).emit(op.i32Shl).get(P.start).emit(op.i32Add).set(L.i);
    c.get(L.i);
    load().i32(2).emit(op.i32Shl).set(L.r);
    c.get(L.i);
    load(4).i32(2).emit(op.i32Shl).set(L.rEnd);
    // r, rEnd: byte offsets into runCell / runW
    c.emit(op.block, op.void, op.loop, op.void);
    {
      c.get(L.r).get(L.rEnd).emit(op.i32GeU, op.brIf, 1);
      c.get(P.ptr).get(P.runCell).get(L.r).emit(op.i32Add);
      load().emit(op.i32Add).tee(L.slot);
      load().tee(L.p);
      c.get(P.runW).get(L.r).emit(op.i32Add);
      load().emit(op.i32Store, 2, 0);
      c.get(L.slot).get(L.p).i32(4).emit(op.i32Add, op.i32Store, 2, 0);
      c.get(L.r).i32(4).emit(op.i32Add).set(L.r).emit(op.br, 0);
    }
    c.emit(op.end, op.end);
    c.get(L.s).i32(4).emit(op.i32Add).set(L.s).emit(op.br, 0);
  }
  c.emit(op.end, op.end);
  return {
    name: "bucket",
    params: Array<typeof I32>(6).fill(I32),
    results: [],
    locals: Array<typeof I32>(6).fill(I32),
    code: c,
  };
}

const REGS = 8; // f64x2 accumulators: 16 values per block

function gatherFunc(f64w = false): FuncDef {
  const P = { cells: 0, ptr: 1, E: 2, cap: 3, W: 4, acc: 5, len: 6 };
  const L = { slot: 7, end: 8, e: 9, eEnd: 10, a: 11, aEnd: 12, b: 13, e0: 14, w: 15, r: 16 };
  const wBytes = f64w ? 8 : 4;
  const c = new Code();

  // slot walks ptr[], e0 the cells' entry areas, a the accumulators; end = ptr + 4*cells
  c.get(P.ptr).get(P.cells).i32(2).emit(op.i32Shl, op.i32Add).set(L.end);
  c.get(P.ptr).set(L.slot);
  c.get(P.E).set(L.e0);
  c.get(P.acc).set(L.a);
  c.get(P.cap).i32(2).emit(op.i32Shl).set(P.cap); // cap in bytes of entries
  c.get(P.len).i32(3).emit(op.i32Shl).set(P.len); // len in bytes of accumulators
  c.emit(op.block, op.void, op.loop, op.void);
  {
    c.get(L.slot).get(L.end).emit(op.i32GeU, op.brIf, 1);
    c.get(L.slot).emit(op.i32Load, 2, 0).tee(L.eEnd).get(L.e0).emit(i32Ne, op.if, op.void);
    {
      c.get(L.slot).get(L.e0).emit(op.i32Store, 2, 0);
      c.get(L.a).get(P.len).emit(op.i32Add).set(L.aEnd);
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
          // w = W + entry + b (all in bytes)
          c.get(P.W).get(L.e).emit(op.i32Load, 2, 0).emit(op.i32Add).get(L.b).emit(op.i32Add);
          c.set(L.w);
          for (let h = 0; h < REGS; h++) {
            c.get(L.r + h).get(L.w);
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
          .i32(2 * REGS * wBytes)
          .emit(op.i32Add)
          .set(L.b);
        c.get(L.a)
          .i32(16 * REGS)
          .emit(op.i32Add)
          .tee(L.a)
          .get(L.aEnd);
        c.emit(op.i32LtU, op.brIf, 0);
      }
      c.emit(op.end);
      // a is now at the next cell's accumulators
      c.get(L.a).get(P.len).emit(op.i32Sub).set(L.a);
    }
    c.emit(op.end);
    c.get(L.a).get(P.len).emit(op.i32Add).set(L.a);
    c.get(L.e0).get(P.cap).emit(op.i32Add).set(L.e0);
    c.get(L.slot).i32(4).emit(op.i32Add).set(L.slot).emit(op.br, 0);
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
  ptr: number,
) => void;
export type GatherFn = (
  cells: number,
  ptr: number,
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
