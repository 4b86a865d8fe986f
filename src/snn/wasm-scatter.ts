/**
 * The event-driven scatter kernel in WebAssembly SIMD (assembled by wasm-asm.ts). It does exactly
 * what `scatterSpikes` in fast.ts does in JavaScript: for each listed source neuron, for each of
 * its runs, acc[a..a+len) += w[..] (float32 weights promoted to float64, two lanes at a time).
 *
 * Exported functions (all addresses are byte offsets into the imported memory):
 *   scatter(list, count, start, runAcc, runW, runLen, wBase, accBase)
 *       source neuron i = list[s] owns runs [start[i], start[i+1]); run r adds runLen[r] values
 *       (a multiple of 4) of weights from wBase + 4*runW[r] to accBase + 8*runAcc[r].
 * (Unrolling to 8 values per iteration measured no faster: the loop is bound by loads and stores.)
 */
import { Code, compileOnce, I32, instantiate, moduleBytes, op, simd, wasm } from "./wasm-asm.js";
import type { FuncDef, WasmMemory } from "./wasm-asm.js";

// Parameters 0..7, then locals.
const P = { list: 0, count: 1, start: 2, runAcc: 3, runW: 4, runLen: 5, wBase: 6, accBase: 7 };
const L = { s: 8, i: 9, r: 10, rEnd: 11, a: 12, w: 13, aEnd: 14 };

/** The kernel adding `unroll` values (a multiple of 2) per inner iteration. */
function scatterFunc(name: string, unroll: number): FuncDef {
  const c = new Code();
  /** address = base + index << shift */
  const addr = (base: number, index: number, shift: number): Code =>
    c.get(base).get(index).i32(shift).emit(op.i32Shl, op.i32Add);
  const load32 = (offset = 0): Code => c.emit(op.i32Load, 2, offset);

  c.i32(0).set(L.s);
  c.emit(op.block, op.void, op.loop, op.void);
  {
    c.get(L.s).get(P.count).emit(op.i32GeU, op.brIf, 1);
    addr(P.list, L.s, 2);
    load32().set(L.i);
    addr(P.start, L.i, 2);
    load32().set(L.r);
    addr(P.start, L.i, 2);
    load32(4).set(L.rEnd);
    c.emit(op.block, op.void, op.loop, op.void);
    {
      c.get(L.r).get(L.rEnd).emit(op.i32GeU, op.brIf, 1);
      // a = accBase + runAcc[r] * 8; w = wBase + runW[r] * 4; aEnd = a + runLen[r] * 8
      c.get(P.accBase);
      addr(P.runAcc, L.r, 2);
      load32().i32(3).emit(op.i32Shl, op.i32Add).set(L.a);
      c.get(P.wBase);
      addr(P.runW, L.r, 2);
      load32().i32(2).emit(op.i32Shl, op.i32Add).set(L.w);
      c.get(L.a);
      addr(P.runLen, L.r, 2);
      load32().i32(3).emit(op.i32Shl, op.i32Add).set(L.aEnd);
      c.emit(op.loop, op.void);
      {
        for (let h = 0; h < unroll / 2; h++) {
          // store(a + 16h, load(a + 16h) + promote(load64(w + 8h)))
          c.get(L.a)
            .get(L.a)
            .vload(16 * h);
          c.get(L.w)
            .v(simd.v128Load64Zero, 3, 8 * h)
            .v(simd.f64x2PromoteLowF32x4);
          c.v(simd.f64x2Add).vstore(16 * h);
        }
        c.get(L.a)
          .i32(8 * unroll)
          .emit(op.i32Add)
          .set(L.a);
        c.get(L.w)
          .i32(4 * unroll)
          .emit(op.i32Add)
          .set(L.w);
        c.get(L.a).get(L.aEnd).emit(op.i32LtU, op.brIf, 0);
      }
      c.emit(op.end);
      c.get(L.r).i32(1).emit(op.i32Add).set(L.r).emit(op.br, 0);
    }
    c.emit(op.end, op.end);
    c.get(L.s).i32(1).emit(op.i32Add).set(L.s).emit(op.br, 0);
  }
  c.emit(op.end, op.end);
  return {
    name,
    params: Array<typeof I32>(8).fill(I32),
    results: [],
    locals: Array<typeof I32>(7).fill(I32),
    code: c,
  };
}

export type ScatterFn = (
  list: number,
  count: number,
  start: number,
  runAcc: number,
  runW: number,
  runLen: number,
  wBase: number,
  accBase: number,
) => void;

/** The compiled kernel module, or null where WebAssembly SIMD is unavailable. */
export const scatterModule = compileOnce(() => moduleBytes([scatterFunc("scatter", 4)]));

/** Instantiate the kernel over a memory. */
export function instantiateScatter(memory: WasmMemory): ScatterFn | null {
  const mod = scatterModule();
  if (mod === null) return null;
  return instantiate(mod, memory).scatter as ScatterFn;
}

/**
 * Bump allocator over one WebAssembly memory: sizes first (`reserve`), then `commit` creates the
 * memory once (it never grows afterwards, so typed-array views stay valid).
 */
export class Arena {
  private size = 0;
  memory: WasmMemory | null = null;

  /** Reserve `bytes`, 16-byte aligned; returns the byte offset. */
  reserve(bytes: number): number {
    const at = this.size;
    this.size += Math.ceil(bytes / 16) * 16;
    return at;
  }

  commit(): WasmMemory {
    if (wasm === undefined) throw new Error("WebAssembly is not available");
    const pages = Math.max(1, Math.ceil(this.size / 65536));
    this.memory = new wasm.Memory({ initial: pages, maximum: pages });
    return this.memory;
  }
}
