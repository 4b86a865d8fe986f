import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createNetwork, loadModel } from "../../src/snn/index.js";

const dir = new URL("../fixtures/golden/", import.meta.url);
const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")) as {
  output_spike_counts: number[][];
  layer_total_spikes: number[][];
};
const raw = readFileSync(new URL("inputs.f32", dir));
const inputs = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));

describe.each(["fast", "reference"] as const)("golden Nengo network, %s engine", (engine) => {
  it("reproduces all 20 output spike counts and per-layer totals exactly", async () => {
    const model = await loadModel(new URL(".", dir).pathname);
    const net = createNetwork(model, { engine });
    for (let k = 0; k < 20; k++) {
      const { scores, counters } = net.run(inputs.subarray(k * 784, (k + 1) * 784));
      expect(Array.from(scores), `input ${k}`).toEqual(expected.output_spike_counts[k]);
      expect(
        counters.layers.map((l) => l.spikes),
        `input ${k}`,
      ).toEqual(expected.layer_total_spikes[k]);
      expect(counters.ticks).toBe(100);
    }
  });
});
