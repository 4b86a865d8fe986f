/** Format version 2: layers name their inputs. Loading, errors and a fuzz of random graphs. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNetwork, ModelError, parseModel } from "../../src/snn/index.js";
import { buildTopology } from "../../src/snn/topology.js";
import type { LayerDef, ModelDef } from "./helpers.js";
import { buildModel, LIF, packModel, randomTensor, rng } from "./helpers.js";

/** input [1,1,4] → flatten "f" → dense "a" (6) and "b" (6) → dense "c" (3) reading both. */
const junction = (over: (layers: LayerDef[]) => void = () => {}): ModelDef => {
  const r = rng(1);
  const layers: LayerDef[] = [
    { type: "flatten", name: "f" },
    { type: "dense", name: "a", inputs: ["f"], weights: randomTensor([6, 4], r), neuron: LIF },
    { type: "dense", name: "b", inputs: ["f"], weights: randomTensor([6, 4], r), neuron: LIF },
    { type: "dense", name: "c", inputs: ["a", "b"], weights: randomTensor([3, 6], r), neuron: LIF },
  ];
  over(layers);
  return { version: 2, inputShape: [1, 1, 4], layers };
};

function problem(def: ModelDef): string {
  const { json, bytes } = packModel(def);
  try {
    parseModel(json, bytes, "g");
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return (err as Error).message;
  }
  throw new Error("expected a ModelError");
}

describe("format version 2: layers name their inputs", () => {
  it("resolves inputs to layer indices and edges (summing junction: two edges)", () => {
    const model = buildModel(junction());
    expect(model.layers.map((l) => l.inputs)).toEqual([[-1], [0], [0], [1, 2]]);
    const stages = buildTopology(model);
    expect(stages[2].edges.map((e) => [e.source, e.delayed])).toEqual([
      [0, false],
      [1, false],
    ]);
    // The dense junction's ANN cost is its weights once; synapses reached per source event: 3.
    expect(stages[2].annMacs).toBe(6 * 3);
    expect(Array.from(stages[2].edges[1].fanout)).toEqual([3, 3, 3, 3, 3, 3]);
  });
  it("a layer without inputs reads the one before it, as in version 1", () => {
    const model = buildModel(
      junction((l) => {
        delete l[1].inputs;
        l[3].inputs = ["b", "a"];
      }),
    );
    expect(model.layers.map((l) => l.inputs)).toEqual([[-1], [0], [0], [2, 1]]);
  });
  const cases: [string, (l: LayerDef[]) => void, RegExp][] = [
    [
      "unknown name",
      (l) => (l[3].inputs = ["a", "x"]),
      /layers\[3\]\.inputs\[1\]: no layer is named "x".*Fix: name a layer/,
    ],
    [
      "duplicate name",
      (l) => (l[2].name = "a"),
      /layers\[2\]\.name: "a" is also the name of layers\[1\]/,
    ],
    [
      "reserved name",
      (l) => (l[2].name = "input"),
      /layers\[2\]\.name: "input" names the network input/,
    ],
    [
      "named twice",
      (l) => (l[3].inputs = ["a", "a"]),
      /layers\[3\]\.inputs\[1\]: "a" is named twice/,
    ],
    [
      "shapes that cannot be summed",
      (l) => (l[3].inputs = ["a", "f"]),
      /layers\[3\]\.inputs\[1\]: "f" delivers \[4\] but "a" delivers \[6\].*same shape/,
    ],
    [
      "flatten with two inputs",
      (l) => (l[0].inputs = ["input", "a"]),
      /layers\[0\]\.inputs: flatten reads 2 inputs.*cycles close at weighted layers/,
    ],
    [
      "a cycle through flatten",
      (l) => {
        l.push({ type: "flatten", name: "g", inputs: ["c"] });
        l[1].inputs = ["f", "g"];
      },
      /layers\[1\]\.inputs\[1\]: closes a cycle through flatten layer "g"/,
    ],
    [
      "only cycle inputs",
      (l) => (l[1].inputs = ["a"]),
      /layers\[1\]\.inputs: names only itself or later layers.*add an earlier layer or "input"/,
    ],
    [
      "a cycle input of the wrong shape",
      (l) => (l[1].inputs = ["f", "c"]),
      /layers\[1\]\.inputs\[1\]: "c" \(a cycle input\) delivers \[3\] but the layer reads \[4\]/,
    ],
  ];
  for (const [name, edit, want] of cases) {
    it(`error: ${name}`, () => expect(problem(junction(edit))).toMatch(want));
  }
  it("error: names and inputs in a version-1 file", () => {
    const def = junction();
    def.version = 1;
    expect(problem(def)).toMatch(
      /layers\[0\]\.name: layers name their inputs from format version 2 on.*Fix: set "version": 2/,
    );
  });

  it("fuzz: random graphs either load and run on both engines with equal spikes, or are a ModelError", () => {
    // Layer i draws its inputs mostly from earlier layers, sometimes itself or the next one (a
    // cycle) or "input" (3-D here, so an error for a dense layer; unknown names are tested above).
    const namesFor = (i: number): string[] => {
      const earlier = ["f", ...Array.from({ length: i - 1 }, (_, k) => `l${k + 1}`)];
      return [...earlier, ...earlier, ...earlier, `l${i}`, `l${i + 1}`, "input"];
    };
    type Spec = { kind: string; inputs?: string[]; width: number; i: number };
    const layerOf = (s: Spec, r: () => number): LayerDef => {
      const base = { name: `l${s.i}`, ...(s.inputs ? { inputs: s.inputs } : {}) };
      if (s.kind === "flatten") return { type: "flatten", ...base };
      const neuron = s.kind === "if" ? { model: "if", v_threshold: 0.5 } : LIF;
      return { type: "dense", ...base, weights: randomTensor([s.width, 4], r, 2, 0.5), neuron };
    };
    let loaded = 0;
    let cyclic = 0;
    const layerArb = (i: number) =>
      fc.record({
        kind: fc.constantFrom("dense", "dense", "if", "if", "flatten"),
        inputs: fc.option(
          fc.uniqueArray(fc.constantFrom(...namesFor(i)), { minLength: 1, maxLength: 2 }),
          {
            nil: undefined,
          },
        ),
        width: fc.constantFrom(4, 4, 4, 4, 3),
        i: fc.constant(i),
      });
    fc.assert(
      fc.property(
        fc.tuple(layerArb(1), layerArb(2), layerArb(3), layerArb(4)),
        fc.integer({ min: 1, max: 1000 }),
        (specs, seed) => {
          const r = rng(seed);
          // Widths: every dense reads 4 (the input's width) so that most graphs are well formed.
          // A fixed flatten "f" first: dense layers need a flat input.
          const layers: LayerDef[] = [{ type: "flatten", name: "f" }];
          for (const s of specs) layers.push(layerOf(s, r));
          const { json, bytes } = packModel({ version: 2, inputShape: [1, 1, 4], layers });

          let model;
          try {
            model = parseModel(json, bytes, "fuzz");
          } catch (err) {
            expect(err).toBeInstanceOf(ModelError);
            return;
          }
          loaded++;
          if (model.layers.some((l) => l.inputs.some((i) => i >= l.index))) cyclic++;
          const x = Float64Array.from({ length: 4 }, () => r() * 2);
          const run = (engine: "fast" | "reference") => {
            const net = createNetwork(model, { engine });
            const spikes: number[] = [];
            for (let t = 0; t < 12; t++) {
              net.tick(x, true);
              spikes.push(...net.spikes);
            }
            return { spikes, counters: structuredClone(net.counters()) };
          };
          expect(run("fast")).toEqual(run("reference"));
        },
      ),
      { numRuns: 600, seed: 17 },
    );
    // The generator must reach both outcomes, and cycles among the graphs that load.
    expect([loaded > 40, cyclic > 15, loaded < 600], `loaded ${loaded}, cyclic ${cyclic}`).toEqual([
      true,
      true,
      true,
    ]);
  });
});
