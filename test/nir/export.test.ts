/**
 * Export round trips: a NIR file imported, exported, imported again gives the same spikes; the
 * written file reads as NIR; models NIR cannot express are refused naming layer and feature.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createNetwork, loadModel, runSequence } from "../../src/snn/index.js";
import { importNirFile, NirError, writeNir } from "../../src/nir/index.js";
import { ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp.js";
import { EXPECTED, fixture, seededInput } from "./helpers.js";

describe("export-nir", () => {
  for (const file of ["cnn_sinabs.nir", "braille_noDelay_bias_zero.nir", "two_lif_neurons.nir"]) {
    it(`${file}: import → export → import gives the same output spikes per step`, async () => {
      const c = EXPECTED[file];
      const a = (await importNirFile(fixture(file))).model;
      const out = join(tempDir(), "round.nir");
      await writeNir(a, out);
      const b = (await importNirFile(out)).model;
      const input = seededInput(c.steps, a.encodedSize, c.seed, c.p);
      const ra = runSequence(createNetwork(a), input, c.steps);
      const rb = runSequence(createNetwork(b), input, c.steps);
      expect(Array.from(rb.perTick)).toEqual(Array.from(ra.perTick));
      expect(Array.from(rb.totals)).toEqual(c.output_counts[0]);
    });
  }

  it("the golden Nengo-LIF net is refused, naming the layer and what NIR lacks", async () => {
    const model = await loadModel(join(ROOT, "test/fixtures/golden"));
    const err = await writeNir(model, join(tempDir(), "g.nir")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NirError);
    expect((err as Error).message).toMatch(/layers\[1\] \(dense\).*refractory period/);
  });
});
