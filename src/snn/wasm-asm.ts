/**
 * A minimal WebAssembly assembler for the engine's kernels: named opcodes, LEB128 immediates and
 * a module writer (one imported memory `env.memory`, exported functions). Kernels are assembled
 * at load time, so the repository holds no binaries and needs no toolchain.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

/** Core opcodes used by the kernels. */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32Load: 0x28,
  f64Load: 0x2b,
  i32Store: 0x36,
  f64Store: 0x39,
  i32Const: 0x41,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  void: 0x40,
} as const;

/** SIMD opcodes, written after the 0xfd prefix as LEB128. */
export const simd = {
  v128Load: 0x00,
  v128Store: 0x0b,
  f64x2Splat: 0x14,
  f64x2Lt: 0x49,
  f64x2Gt: 0x4a,
  f64x2Le: 0x4b,
  v128And: 0x4e,
  v128Or: 0x50,
  v128Bitselect: 0x52,
  v128AnyTrue: 0x53,
  v128Load64Zero: 0x5d,
  f64x2PromoteLowF32x4: 0x5f,
  i64x2Bitmask: 0xc4,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Pmax: 0xf7,
} as const;

/** Unsigned LEB128. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Instruction buffer with helpers for the common forms. */
export class Code {
  readonly bytes: number[] = [];
  emit(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  get(x: number): this {
    return this.emit(op.get, x);
  }
  set(x: number): this {
    return this.emit(op.set, x);
  }
  tee(x: number): this {
    return this.emit(op.tee, x);
  }
  i32(x: number): this {
    return this.emit(op.i32Const, ...sleb(x));
  }
  /** A SIMD instruction with its immediates (memarg: align, offset). */
  v(code: number, ...imm: number[]): this {
    return this.emit(0xfd, ...leb(code), ...imm);
  }
  /** v128.load / v128.store with a byte offset (16-byte alignment hint). */
  vload(offset = 0): this {
    return this.v(simd.v128Load, 4, ...leb(offset));
  }
  vstore(offset = 0): this {
    return this.v(simd.v128Store, 4, ...leb(offset));
  }
}

export interface FuncDef {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Types of the locals after the parameters, in order. */
  locals: ValType[];
  code: Code;
}

const str = (s: string): number[] => [...leb(s.length), ...Buffer.from(s, "utf8")];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];

/** A module importing `env.memory` and exporting `funcs` under their names. */
export function moduleBytes(funcs: FuncDef[]): Uint8Array {
  const types = funcs.map((f) => [
    0x60,
    ...leb(f.params.length),
    ...f.params,
    ...leb(f.results.length),
    ...f.results,
  ]);
  const imports = [[...str("env"), ...str("memory"), 0x02, 0x00, 0x00]];
  const exports = funcs.map((f, i) => [...str(f.name), 0x00, ...leb(i)]);
  const bodies = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.code.bytes, op.end];
    return [...leb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => leb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum: number }) => WasmMemory;
}
export const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Compile once; null where WebAssembly (or an instruction used, e.g. SIMD) is unavailable. */
export function compileOnce(build: () => Uint8Array): () => object | null {
  let compiled: object | null | undefined;
  return () => {
    if (compiled === undefined) {
      if (wasm === undefined) return (compiled = null);
      try {
        const bytes = build();
        compiled = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}

/** Instantiate a compiled module over a memory and return its exports. */
export function instantiate(mod: object, memory: WasmMemory): Record<string, unknown> {
  if (wasm === undefined) throw new Error("WebAssembly is not available");
  return new wasm.Instance(mod, { env: { memory } }).exports;
}
