/**
 * Every NIR paper file in test/fixtures/nir imports, and both engines reproduce the output
 * spike counts that simulate.py (numpy, the NIR equations of reference/nir.md, written apart
 * from our engine) computed for the same seeded inputs (expected.json).
 */
import { describe, expect, it } from "vitest";
import { createNetwork, runSequence } from "../../src/snn/index.js";
import { importNirFile, NirError } from "../../src/nir/index.js";
import { EXPECTED, fixture, seededInput } from "./helpers.js";

describe("NIR paper files against an independent simulation of the NIR equations", () => {
  for (const [file, c] of Object.entries(EXPECTED)) {
    it(`${file}: output spike counts equal simulate.py's (reference and fast engines)`, async () => {
      const { model } = await importNirFile(fixture(file), { dt: c.dt });
      for (const engine of ["reference", "fast"] as const) {
        const net = createNetwork(model, { engine });
        const counts = [];
        for (let s = 0; s < c.samples; s++) {
          const input = seededInput(c.steps, model.encodedSize, c.seed + s, c.p);
          counts.push(Array.from(runSequence(net, input, c.steps).totals));
        }
        expect(counts, `${file} (${engine})`).toEqual(c.output_counts);
      }
    });
  }

  it("the sub-graph braille file, which nir.read cannot read either, is refused naming the edge", async () => {
    const err = await importNirFile(fixture("braille_noDelay_bias_zero_subgraph.nir")).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NirError);
    expect((err as Error).message).toMatch(
      /braille_noDelay_bias_zero_subgraph\.nir: node\/nodes\/lif1\/edges\[0\]: names "lif"/,
    );
  });
});
