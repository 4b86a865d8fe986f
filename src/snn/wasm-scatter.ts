/**
 * The event-driven scatter kernel in WebAssembly SIMD, assembled here from named opcodes (no
 * toolchain, no binary in the repository). It does exactly what `scatterSpikes` in fast.ts does
 * in JavaScript: for each listed source neuron, for each of its runs, acc[a..a+len) += w[..]
 * (float32 weights promoted to float64, two lanes at a time). `len` must be a multiple of 4.
 *
 * Exported function (all addresses are byte offsets into the imported memory):
 *   scatter(list, count, start, runAcc, runW, len, wBase, accBase)
 */

const I32 = 0x7f;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  i32Load: 0x28,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Shl: 0x74,
  void: 0x40,
} as const;
/** SIMD opcodes follow the 0xfd prefix (LEB128-encoded). */
const simd = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Load64Zero: 0x5d,
  f64x2PromoteLowF32x4: 0x5f,
  f64x2Add: 0xf0,
} as const;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const str = (s: string): number[] => [...leb(s.length), ...Buffer.from(s, "utf8")];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];

// Parameters 0..7, then locals.
const P = { list: 0, count: 1, start: 2, runAcc: 3, runW: 4, len: 5, wBase: 6, accBase: 7 };
const L = { s: 8, i: 9, r: 10, rEnd: 11, a: 12, w: 13, aEnd: 14 };
const N_LOCALS = 7;

function body(): number[] {
  const c: number[] = [];
  const get = (x: number): void => void c.push(op.get, x);
  const set = (x: number): void => void c.push(op.set, x);
  const konst = (x: number): void => void c.push(op.i32Const, ...leb(x)); // small non-negative only
  const load32 = (offset = 0): void => void c.push(op.i32Load, 2, ...leb(offset));
  const v = (code: number, ...imm: number[]): void => void c.push(0xfd, ...leb(code), ...imm);
  /** address = base + index << shift */
  const addr = (base: number, index: number, shift: number): void => {
    get(base);
    get(index);
    konst(shift);
    c.push(op.i32Shl, op.i32Add);
  };

  konst(0);
  set(L.s);
  c.push(op.block, op.void, op.loop, op.void);
  {
    get(L.s);
    get(P.count);
    c.push(op.i32GeU, op.brIf, 1);
    addr(P.list, L.s, 2);
    load32();
    set(L.i);
    addr(P.start, L.i, 2);
    load32();
    set(L.r);
    addr(P.start, L.i, 2);
    load32(4);
    set(L.rEnd);
    c.push(op.block, op.void, op.loop, op.void);
    {
      get(L.r);
      get(L.rEnd);
      c.push(op.i32GeU, op.brIf, 1);
      // a = accBase + runAcc[r] * 8; w = wBase + runW[r] * 4; aEnd = a + len * 8
      get(P.accBase);
      addr(P.runAcc, L.r, 2);
      load32();
      konst(3);
      c.push(op.i32Shl, op.i32Add);
      set(L.a);
      get(P.wBase);
      addr(P.runW, L.r, 2);
      load32();
      konst(2);
      c.push(op.i32Shl, op.i32Add);
      set(L.w);
      get(L.a);
      get(P.len);
      konst(3);
      c.push(op.i32Shl, op.i32Add);
      set(L.aEnd);
      c.push(op.loop, op.void);
      {
        for (const half of [0, 1]) {
          // store(a + 16*half, load(a + 16*half) + promote(load64(w + 8*half)))
          get(L.a);
          get(L.a);
          v(simd.v128Load, 4, ...leb(16 * half));
          get(L.w);
          v(simd.v128Load64Zero, 3, ...leb(8 * half));
          v(simd.f64x2PromoteLowF32x4);
          v(simd.f64x2Add);
          v(simd.v128Store, 4, ...leb(16 * half));
        }
        get(L.a);
        konst(32);
        c.push(op.i32Add);
        set(L.a);
        get(L.w);
        konst(16);
        c.push(op.i32Add);
        set(L.w);
        get(L.a);
        get(L.aEnd);
        c.push(op.i32LtU, op.brIf, 0);
      }
      c.push(op.end);
      get(L.r);
      konst(1);
      c.push(op.i32Add);
      set(L.r);
      c.push(op.br, 0);
    }
    c.push(op.end, op.end);
    get(L.s);
    konst(1);
    c.push(op.i32Add);
    set(L.s);
    c.push(op.br, 0);
  }
  c.push(op.end, op.end, op.end);
  const locals = [1, ...leb(N_LOCALS), I32];
  return [...leb(locals.length + c.length), ...locals, ...c];
}

function moduleBytes(): Uint8Array {
  const type = [1, 0x60, 8, ...Array<number>(8).fill(I32), 0];
  const imports = [1, ...str("env"), ...str("memory"), 0x02, 0x00, 0x00];
  const funcs = [1, 0];
  const exports = [1, ...str("scatter"), 0x00, 0];
  const code = [1, ...body()];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, type),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

export type ScatterFn = (
  list: number,
  count: number,
  start: number,
  runAcc: number,
  runW: number,
  len: number,
  wBase: number,
  accBase: number,
) => void;

/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is unavailable. */
export function scatterModule(): object | null {
  if (compiled === undefined) {
    if (wasm === undefined) return (compiled = null);
    try {
      const bytes = moduleBytes();
      compiled = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Instantiate the kernel over a memory. */
export function instantiateScatter(memory: WasmMemory): ScatterFn | null {
  const mod = scatterModule();
  if (mod === null || wasm === undefined) return null;
  const instance = new wasm.Instance(mod, { env: { memory } });
  return instance.exports.scatter as ScatterFn;
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
