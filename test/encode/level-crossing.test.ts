import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DeltaEncoder,
  LevelCrossingEncoder,
  PixelWindowsEncoder,
  RowsEncoder,
  createEncoder,
  encodeSequence,
} from "../../src/encode/index.js";
import { encodedInputShape } from "../../src/snn/encoding.js";
import { Encoder } from "../../src/snn/model-spec.js";

const imageOf = (n: number) =>
  fc.float32Array({ minLength: n, maxLength: n, min: 0, max: 1, noNaN: true });

describe("level-crossing (spike-coded) sequence input", () => {
  it("codes a hand-worked 3-row image at 2 levels (thresholds 0.25, 0.75)", () => {
    // Rows [0.5, 1.0], [0.9, 0.1], [0.3, 0.3]: levels 1 2 | 2 0 | 1 1 (from 0 above the image).
    // Lines (p·2 + k)·2 + j: ON k0 j0, ON k0 j1, ON k1 j0, ON k1 j1, then the same OFF.
    const enc = new LevelCrossingEncoder(new RowsEncoder([1, 3, 2]), 2);
    enc.present([0.5, 1.0, 0.9, 0.1, 0.3, 0.3]);
    expect(Array.from(enc.tick())).toEqual([1, 1, 0, 1, 0, 0, 0, 0]);
    expect(enc.tickEvents).toBe(3);
    expect(Array.from(enc.tick())).toEqual([0, 0, 1, 0, 0, 1, 0, 1]);
    expect(enc.tickEvents).toBe(3);
    expect(Array.from(enc.tick())).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
    // After the last row: silence, not a fall back to 0.
    expect(Array.from(enc.tick())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // present() starts again from 0 above the image.
    enc.present([0.5, 1.0, 0.9, 0.1, 0.3, 0.3]);
    expect(Array.from(enc.tick())).toEqual([1, 1, 0, 1, 0, 0, 0, 0]);
  });

  it("summing ON − OFF of a line gives [J ≥ (k + ½)/levels] of the current value, for any image", () => {
    const cases = fc
      .tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(0.5, 1, 2),
      )
      .chain(([c, h, w, levels, amplitude]) =>
        fc.tuple(
          fc.constant([c, h, w] as const),
          fc.constant(levels),
          fc.constant(amplitude),
          imageOf(c * h * w),
        ),
      );
    fc.assert(
      fc.property(cases, ([shape, levels, amplitude, image]) => {
        const [c, h, w] = shape;
        const rows = new RowsEncoder(shape, 1.5, -0.1);
        const enc = new LevelCrossingEncoder(new RowsEncoder(shape, 1.5, -0.1), levels, amplitude);
        expect(enc.outputSize).toBe(2 * levels * c * w);
        expect(enc.analog).toBe(false);
        expect(enc.kind).toBe("rows");
        rows.present(image);
        enc.present(image);
        const n = c * w;
        const sum = new Float64Array(levels * n);
        for (let t = 0; t < h; t++) {
          const J = rows.tick();
          const out = enc.tick();
          let events = 0;
          for (let i = 0; i < out.length; i++) {
            expect(out[i] === 0 || out[i] === amplitude).toBe(true);
            if (out[i] !== 0) events++;
          }
          expect(enc.tickEvents).toBe(events);
          for (let k = 0; k < levels; k++)
            for (let j = 0; j < n; j++) {
              const on = out[k * n + j];
              const off = out[(levels + k) * n + j];
              expect(on !== 0 && off !== 0).toBe(false);
              sum[k * n + j] += (on - off) / amplitude;
              // Exact ties with a threshold are left to the floor; away from them the line's
              // state is the comparison with the threshold.
              const theta = (k + 0.5) / levels;
              if (Math.abs(J[j] - theta) > 1e-9) expect(sum[k * n + j]).toBe(J[j] >= theta ? 1 : 0);
            }
        }
      }),
    );
  });

  it("codes pixel windows the same way, window by window", () => {
    const image = [0.1, 0.9, 0.6, 0.2];
    const enc = createEncoder(
      Encoder.parse({ type: "pixel_windows", window: 2, stride: 1, spikes: { levels: 1 } }),
      4,
      0.001,
    );
    expect(enc.outputSize).toBe(4);
    expect(enc.steps).toBe(4);
    // Windows [0.1 0.9] [0.9 0.6] [0.6 0.2] [0.2 0]; one threshold at 0.5.
    const ticks = encodeSequence(enc, image);
    expect(Array.from(ticks)).toEqual([
      ...[0, 1, 0, 0],
      ...[1, 0, 0, 0],
      ...[0, 0, 0, 1],
      ...[0, 0, 1, 0],
    ]);
  });

  it("is what a model's `spikes` section asks for, with the engine's input size", () => {
    const spec = Encoder.parse({ type: "rows", spikes: { levels: 3 } });
    expect(spec).toMatchObject({ type: "rows", spikes: { levels: 3, amplitude: 1 } });
    const enc = createEncoder(spec, [1, 28, 28], 0.001);
    expect(enc).toBeInstanceOf(LevelCrossingEncoder);
    expect(enc.outputSize).toBe(28 * 6);
    expect(encodedInputShape(spec, [1, 28, 28])).toEqual([28 * 6]);
    expect(Encoder.parse({ type: "rows", spikes: {} })).toMatchObject({
      spikes: { levels: 4, amplitude: 1 },
    });
    expect(() => Encoder.parse({ type: "rows", spikes: { levels: 0 } })).toThrow();
    expect(() => Encoder.parse({ type: "rows", spikes: { levels: 2, gain: 1 } })).toThrow();
  });

  it("refuses nonsense parameters and encoders it cannot code", () => {
    expect(() => new LevelCrossingEncoder(new RowsEncoder([1, 2, 2]), 0)).toThrow("levels is 0");
    expect(() => new LevelCrossingEncoder(new RowsEncoder([1, 2, 2]), 2, 0)).toThrow(
      "amplitude is 0",
    );
    expect(() => new LevelCrossingEncoder(new DeltaEncoder(4, 0.001, 0.1))).toThrow(
      "analog sequence encoder",
    );
    expect(() => new LevelCrossingEncoder(new PixelWindowsEncoder(4, 2), 2.5)).toThrow("levels");
  });
});
