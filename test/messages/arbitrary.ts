/**
 * fast-check arbitraries for any message type, built from its parsed definition, producing values
 * in the shape decode returns (typed arrays for numeric arrays, bigint for 64-bit integers), so a
 * round trip can be compared with toEqual.
 */
import fc from "fast-check";
import { parse } from "@foxglove/rosmsg";

type Definitions = ReturnType<typeof parse>;
type Field = Definitions[number]["definitions"][number];

// Strings as ROS sends them: any Unicode but NUL (C++ nodes would cut at it).
const rosString = fc
  .string({ unit: "grapheme", maxLength: 12 })
  .filter((s) => !s.includes("\u0000"));

const scalars: Record<string, fc.Arbitrary<unknown>> = {
  bool: fc.boolean(),
  int8: fc.integer({ min: -128, max: 127 }),
  uint8: fc.integer({ min: 0, max: 255 }),
  int16: fc.integer({ min: -32768, max: 32767 }),
  uint16: fc.integer({ min: 0, max: 65535 }),
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  uint32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  uint64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  float32: fc.float({ noNaN: true }),
  float64: fc.double({ noNaN: true }),
  string: rosString,
  time: fc.record({
    sec: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    nanosec: fc.integer({ min: 0, max: 999_999_999 }),
  }),
};
scalars.duration = scalars.time;

const typedArrays: Record<string, (n: number[] | bigint[]) => unknown> = {
  int8: (a) => Int8Array.from(a as number[]),
  uint8: (a) => Uint8Array.from(a as number[]),
  int16: (a) => Int16Array.from(a as number[]),
  uint16: (a) => Uint16Array.from(a as number[]),
  int32: (a) => Int32Array.from(a as number[]),
  uint32: (a) => Uint32Array.from(a as number[]),
  int64: (a) => BigInt64Array.from(a as bigint[]),
  uint64: (a) => BigUint64Array.from(a as bigint[]),
  float32: (a) => Float32Array.from(a as number[]),
  float64: (a) => Float64Array.from(a as number[]),
};

export function arbitraryFromDefinitions(defs: Definitions): fc.Arbitrary<Record<string, unknown>> {
  const byName = new Map(defs.map((d) => [d.name ?? "", d.definitions]));
  const build = (fields: Field[], depth: number): fc.Arbitrary<Record<string, unknown>> => {
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) {
      if (f.isConstant === true) continue;
      let item: fc.Arbitrary<unknown>;
      if (f.isComplex === true) {
        const nested = byName.get(f.type);
        if (!nested) throw new Error(`no definition for ${f.type}`);
        item = build(nested, depth + 1);
      } else {
        const s = scalars[f.type];
        if (!s) throw new Error(`no arbitrary for ${f.type}`);
        item = s;
      }
      if (f.isArray === true) {
        const len = f.arrayLength;
        const arr = fc.array(item, {
          minLength: len ?? 0,
          maxLength: len ?? (depth > 1 ? 2 : 4),
        });
        const typed = f.isComplex === true ? undefined : typedArrays[f.type];
        shape[f.name] = typed ? arr.map((a) => typed(a as number[])) : arr;
      } else {
        shape[f.name] = item;
      }
    }
    return fc.record(shape);
  };
  const root = defs.find((d) => d.name === undefined) ?? defs[0];
  return build(root.definitions, 0);
}

export function arbitraryMessage(schemaText: string): fc.Arbitrary<Record<string, unknown>> {
  return arbitraryFromDefinitions(parse(schemaText, { ros2: true }));
}
