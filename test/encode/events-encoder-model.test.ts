import { describe, expect, it } from "vitest";
import { createEncoder, eventBinnerForModel } from "../../src/encode/index.js";
import { parseModel } from "../../src/snn/index.js";
import { LIF, packModel, randomTensor, rng } from "../snn/helpers.js";

/** A 2×4×4 event model: flatten, then a dense layer of 3. */
function eventModel(
  encoder: Record<string, unknown>,
  inputShape: [number, number, number] = [2, 4, 4],
  dt = 0.001,
) {
  const [c, h, w] = inputShape;
  return packModel({
    inputShape,
    dt,
    encoder,
    layers: [
      { type: "flatten" },
      { type: "dense", weights: randomTensor([3, c * h * w], rng(7)), neuron: LIF },
    ],
  });
}

function load(
  encoder: Record<string, unknown>,
  inputShape?: [number, number, number],
  dt?: number,
) {
  const { json, bytes } = eventModel(encoder, inputShape, dt);
  return parseModel(json, bytes, "models/ev/model.json");
}

describe("the events encoder in a model file", () => {
  it("loads with defaults and bins ticks of the model's dt from a centred ROI", () => {
    const model = load({ type: "events", downsample: 2 });
    expect(model.spec.input.encoder).toEqual({
      type: "events",
      downsample: 2,
      refractory: 0,
      gain: 1,
    });
    const ticks: number[][] = [];
    const binner = eventBinnerForModel(model.spec, { width: 12, height: 10 }, (c) =>
      ticks.push(Array.from(c)),
    );
    expect([binner.height, binner.width, binner.size]).toEqual([4, 4, 32]);
    const base = 1_700_000_000_000_000_000n;
    // Centred ROI: 8×8 sensor pixels at (2, 1). Event at sensor (2, 1) → input (0, 0);
    // (9, 8) → (3, 3); the second event is 1 ms later: the next tick.
    binner.push({
      baseNs: base,
      count: 3,
      x: [2, 9, 1],
      y: [1, 8, 1],
      polarity: [1, 0, 1],
      tOffsetNs: [0, 1_000_000, 1_000_001],
    });
    binner.flush();
    expect(ticks.length).toBe(2);
    expect(ticks[0][16]).toBe(1); // ON plane, (0, 0)
    expect(ticks[0].reduce((a, v) => a + v, 0)).toBe(1);
    expect(ticks[1][15]).toBe(1); // OFF plane, (3, 3)
    expect(binner.stats.outsideRoi).toBe(1);
  });

  it("takes the ROI, gain and refractory period (seconds) from the model", () => {
    const model = load({
      type: "events",
      roi: { x: 0, y: 0, width: 4, height: 4 },
      refractory: 0.0005,
      gain: 2,
    });
    const ticks: number[][] = [];
    const binner = eventBinnerForModel(model.spec, { width: 640, height: 480 }, (c) =>
      ticks.push(Array.from(c)),
    );
    binner.push({
      baseNs: 0n,
      count: 3,
      x: [3, 3, 3],
      y: [0, 0, 0],
      polarity: [0, 0, 0],
      tOffsetNs: [0, 499_999, 500_000],
    });
    binner.flush();
    expect(ticks[0][3]).toBe(4); // the second event is refractory, the third is not
    expect(binner.stats.refractory).toBe(1);
  });

  it("rejects a model whose input is not [2, H, W] or whose ROI does not fit it, naming the field", () => {
    expect(() => load({ type: "events" }, [1, 4, 4])).toThrow(
      /input\.shape.*2 channels.*\[2, 4, 4\]/,
    );
    expect(() => load({ type: "events", roi: { x: 0, y: 0, width: 8, height: 8 } })).toThrow(
      /input\.encoder\.roi.*8×8/,
    );
    expect(() => load({ type: "events", downsample: 0 })).toThrow(/downsample/);
    expect(() => load({ type: "events", refractory: -1 })).toThrow(/refractory/);
  });

  it("says how to use it when asked for a frame encoder, and when the sensor is too small", () => {
    const model = load({ type: "events", downsample: 4 });
    expect(() => createEncoder(model.spec.input.encoder, [2, 4, 4], model.spec.dt)).toThrow(
      /eventBinnerForModel/,
    );
    expect(() =>
      eventBinnerForModel(model.spec, { width: 12, height: 12 }, () => undefined),
    ).toThrow(/16×16 sensor pixels.*12×12/);
    const odd = load({ type: "events" }, [2, 4, 4], 1.5e-10);
    expect(() => eventBinnerForModel(odd.spec, { width: 4, height: 4 }, () => undefined)).toThrow(
      /whole number of ns/,
    );
  });
});
