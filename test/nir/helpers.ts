/** Shared by the NIR tests: the fixture folder and the seeded input simulate.py uses. */
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const FIXTURES = fileURLToPath(new URL("../fixtures/nir/", import.meta.url));
export const fixture = (name: string) => join(FIXTURES, name);

export interface Case {
  steps: number;
  samples: number;
  p: number;
  seed: number;
  dt: number;
  output_counts: number[][];
}
export const EXPECTED = JSON.parse(readFileSync(fixture("expected.json"), "utf8")) as Record<
  string,
  Case
>;

/** simulate.py's `bit`: 1 where ((i·7919 + t·104729 + seed)·2654435761 mod 2³²)/2³² < p. */
export function seededInput(steps: number, size: number, seed: number, p: number): Float32Array {
  const out = new Float32Array(steps * size);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < size; i++) {
      const h = Number((BigInt(i * 7919 + t * 104729 + seed) * 2654435761n) % 4294967296n);
      out[t * size + i] = h / 4294967296 < p ? 1 : 0;
    }
  }
  return out;
}
