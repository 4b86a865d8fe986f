import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ModelError,
  createNetwork,
  encodedInputSize,
  parseModel,
  sequenceLength,
} from "../../src/snn/index.js";
import { packModel, randomTensor, rng } from "./helpers.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const ALIF = (n: number) => ({
  model: "alif",
  tau_m: { shape: [n], data: new Array<number>(n).fill(0.02) },
  tau_adp: { shape: [n], data: new Array<number>(n).fill(0.2) },
  b0: 0.01,
  beta: 1.8,
});

/** 28×28 row by row into 8 recurrent ALIF neurons, 3 leaky-integrator outputs. */
function rowsModel(
  encoder: Record<string, unknown> = { type: "rows" },
  timesteps = 28,
  inputs = 28,
) {
  const r = rng(7);
  return packModel({
    inputShape: [1, 28, 28],
    encoder,
    timesteps,
    layers: [
      {
        type: "recurrent_dense",
        weights: randomTensor([8, inputs], r, 0.5),
        recurrent_weights: randomTensor([8, 8], r, 0.3),
        neuron: ALIF(8),
      },
      {
        type: "dense",
        weights: randomTensor([3, 8], r),
        neuron: { model: "leaky_integrator", tau: 0.02 },
      },
    ],
    readout: { type: "membrane", window: { start: 10 } },
  });
}

function problem(json: unknown, bytes: Uint8Array): string {
  try {
    parseModel(json, bytes, "models/s/model.json");
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return (err as Error).message;
  }
  throw new Error("expected a ModelError");
}

describe("models with sequence encoders", () => {
  it("rows: the first layer reads C·W values per tick, no flatten needed; defaults filled in", () => {
    const { json, bytes } = rowsModel();
    const m = parseModel(json, bytes, "x");
    expect(m.spec.input.encoder).toEqual({ type: "rows", gain: 1, bias: 0, ticks_per_row: 1 });
    expect([m.inputShape, m.inputSize]).toEqual([[1, 28, 28], 784]);
    expect([m.encodedShape, m.encodedSize, m.sequenceLength]).toEqual([[28], 28, 28]);
    expect(encodedInputSize(m.spec)).toBe(28);
    expect(m.layers[0].inShape).toEqual([28]);
    expect(() => createNetwork(m).tick(new Float64Array(784))).toThrow(
      /expects 28 per tick \(shape \[28\] from encoder "rows"\)/,
    );
  });

  it("pixel_windows: defaults window 4, stride 1; 784 ticks of 4 inputs", () => {
    const { json, bytes } = rowsModel({ type: "pixel_windows" }, 784, 4);
    const m = parseModel(json, bytes, "x");
    expect(m.spec.input.encoder).toEqual({
      type: "pixel_windows",
      window: 4,
      stride: 1,
      gain: 1,
      bias: 0,
    });
    expect([m.encodedShape, m.sequenceLength]).toEqual([[4], 784]);
    expect(
      sequenceLength(
        { type: "pixel_windows", window: 4, stride: 3, gain: 1, bias: 0 },
        [1, 28, 28],
      ),
    ).toBe(262);
  });

  it("frame encoders keep the image as the first layer's input", () => {
    const { json, bytes } = packModel({
      inputShape: [1, 2, 3],
      layers: [
        { type: "flatten" },
        { type: "dense", weights: randomTensor([2, 6], rng(1)), neuron: { model: "linear" } },
      ],
    });
    const m = parseModel(json, bytes, "x");
    expect([m.encodedShape, m.encodedSize, m.sequenceLength]).toEqual([[1, 2, 3], 6, null]);
  });

  const cases: [string, () => { json: Loose; bytes: Uint8Array }, RegExp][] = [
    [
      "rows: timesteps not H·ticks_per_row",
      () => rowsModel({ type: "rows", ticks_per_row: 2 }, 28),
      /presentation\.timesteps: is 28 but the rows encoder presents an image in 28 rows × ticks_per_row 2 = 56 ticks\. Fix: set presentation\.timesteps to 56/,
    ],
    [
      "pixel_windows: timesteps not ceil(N / stride)",
      () => rowsModel({ type: "pixel_windows", stride: 2 }, 784, 4),
      /presentation\.timesteps: is 784 but the pixel_windows encoder presents an image in ceil\(784 pixels \/ stride 2\) = 392 ticks\. Fix: set presentation\.timesteps to 392/,
    ],
    [
      "rows: weights sized for the whole image",
      () => rowsModel({ type: "rows" }, 28, 784),
      /layers\[0\]\.weights\.shape: is \[8, 784\] but the layer needs \[8, 28\]\. Fix: .*reads what the rows encoder delivers per tick, \[28\] \(C·W of one row\), not the whole image \[1, 28, 28\]/,
    ],
    [
      "pixel_windows: window larger than the image",
      () => rowsModel({ type: "pixel_windows", window: 785 }, 784, 785),
      /input\.encoder\.window: is 785 pixels but the image has only 784/,
    ],
    [
      "rows: ticks_per_row not a positive integer",
      () => rowsModel({ type: "rows", ticks_per_row: 0 }),
      /input\.encoder\.ticks_per_row/,
    ],
    [
      "rows: unknown field",
      () => rowsModel({ type: "rows", row_ticks: 2 }),
      /input\.encoder: unknown field "row_ticks"/,
    ],
  ];
  for (const [name, make, pattern] of cases) {
    it(`refuses: ${name}`, () => {
      const { json, bytes } = make();
      expect(problem(json, bytes)).toMatch(pattern);
    });
  }

  it("fuzz: any encoder, timesteps and first-layer width either loads consistently or is a ModelError", () => {
    const encoder = fc.oneof(
      fc.record({ type: fc.constant("rows"), ticks_per_row: fc.integer({ min: -1, max: 3 }) }),
      fc.record({
        type: fc.constant("pixel_windows"),
        window: fc.integer({ min: 0, max: 800 }),
        stride: fc.integer({ min: 0, max: 5 }),
      }),
      fc.record({ type: fc.constant("constant"), gain: fc.double() }),
    );
    // "fit" picks the value the encoder implies, so that many cases load.
    const fitOr = (arb: fc.Arbitrary<number>) => fc.oneof(fc.constant("fit" as const), arb);
    let loaded = 0;
    fc.assert(
      fc.property(
        encoder,
        fitOr(fc.integer({ min: 1, max: 900 })),
        fitOr(fc.constantFrom(1, 4, 28, 784)),
        (enc, ticks, width) => {
          const e = enc as {
            type: string;
            ticks_per_row?: number;
            window?: number;
            stride?: number;
          };
          const timesteps =
            ticks !== "fit"
              ? ticks
              : e.type === "rows"
                ? 28 * (e.ticks_per_row ?? 1)
                : Math.ceil(784 / Math.max(1, e.stride ?? 1));
          const inputs =
            width !== "fit" ? width : e.type === "pixel_windows" ? Math.max(1, e.window ?? 4) : 28;
          const { json, bytes } = rowsModel(enc, timesteps, inputs);
          let m;
          try {
            m = parseModel(json, bytes, "fuzz");
          } catch (err) {
            if (!(err instanceof ModelError)) throw err;
            return;
          }
          expect(m.layers[0].inShape).toEqual([inputs]);
          expect(m.encodedSize).toBe(inputs);
          if (m.sequenceLength !== null)
            expect(m.spec.presentation.timesteps).toBe(m.sequenceLength);
          loaded++;
        },
      ),
      { numRuns: 300 },
    );
    expect(loaded, "some cases must load").toBeGreaterThan(5);
  });
});
