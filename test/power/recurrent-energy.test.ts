import { describe, expect, it } from "vitest";
import {
  ProfileRegistry,
  compareSequenceEnergy,
  estimateEnergy,
  lstmSequenceOps,
  rnnSequenceOps,
  snnSequenceOps,
  type RecurrentShape,
} from "../../src/power/index.js";
import type { FrameCounters } from "../../src/snn/counters.js";

const horowitz = new ProfileRegistry().get("cmos45-horowitz");
// 3 steps of 2 inputs → 4 ALIF (recurrent) → 2 leaky readout neurons; 6 hidden spikes per sample.
const TINY: RecurrentShape = { steps: 3, inputSize: 2, hidden: [4], outputs: 2 };

describe("Yin's comparison on a tiny network, by hand", () => {
  it("SNN: input MACs + state MACs, spike ACs into its own layer and the readout", () => {
    const ops = snnSequenceOps(TINY, { layerSpikesPerSample: [6] });
    // inputs 3·2·4 = 24; state 3·(2·4 + 1·2) = 30; recurrent 6·4 = 24; readout 6·2 = 12
    expect(ops.parts).toEqual({
      inputMacs: 24,
      inputAcs: 0,
      stateMacs: 30,
      recurrentAcs: 24,
      feedForwardAcs: 12,
    });
    expect(ops.macs).toBe(54);
    expect(ops.acs).toBe(36);
    expect(ops.activations).toBe(0);
  });

  it("RNN and LSTM of the same sizes", () => {
    // per step 4·(2+4) + 2·4 = 32 MACs; ×3 = 96, + readout leak 3·2 = 6; 3·4 tanh
    const rnn = rnnSequenceOps(TINY);
    expect(rnn.macs).toBe(102);
    expect(rnn.activations).toBe(12);
    // per step 4·4·(2+4) + 2·4 = 104; ×3 = 312, elementwise 3·3·4 = 36, readout 6; 3·5·4 activations
    const lstm = lstmSequenceOps(TINY);
    expect(lstm.parts).toEqual({ gateMacs: 312, elementwiseMacs: 36, readoutStateMacs: 6 });
    expect(lstm.macs).toBe(354);
    expect(lstm.activations).toBe(60);
  });

  it("energies and ratios under cmos45-horowitz (4.6 pJ MAC, 0.9 pJ AC and activation)", () => {
    const c = compareSequenceEnergy(TINY, { layerSpikesPerSample: [6] }, horowitz);
    expect(c.snn.energy).toBeCloseTo(280.8e-12, 22); // 54·4.6 + 36·0.9
    expect(c.rnn.energy).toBeCloseTo(480e-12, 22); // 102·4.6 + 12·0.9
    expect(c.lstm.energy).toBeCloseTo(1682.4e-12, 22); // 354·4.6 + 60·0.9
    expect(c.ratio.rnn).toBeCloseTo(480 / 280.8, 10);
    expect(c.ratio.lstm).toBeCloseTo(1682.4 / 280.8, 10);
    expect(c.counting).toEqual({ alifStateMacs: 2, readoutStateMacs: 1 });
    expect(c.unit).toBe("J");
  });

  it("two layers: each spike reaches its own layer and the next; measured input MACs win", () => {
    const shape: RecurrentShape = { steps: 2, inputSize: 3, hidden: [3, 2], outputs: 2 };
    const ops = snnSequenceOps(
      shape,
      { layerSpikesPerSample: [5, 4], inputMacsPerSample: 10 },
      { alifStateMacs: 3, readoutStateMacs: 0 },
    );
    // recurrent 5·3 + 4·2 = 23; forward 5·2 + 4·2 = 18; state 2·3·(3+2) = 30
    expect(ops.parts).toEqual({
      inputMacs: 10,
      inputAcs: 0,
      stateMacs: 30,
      recurrentAcs: 23,
      feedForwardAcs: 18,
    });
  });

  it("event input: measured input events are accumulates, and no input MAC is charged", () => {
    const shape: RecurrentShape = { steps: 2, inputSize: 3, hidden: [3, 2], outputs: 2 };
    const ops = snnSequenceOps(shape, { layerSpikesPerSample: [5, 4], inputAcsPerSample: 12 });
    // state 2·2·(3+2) + 2·1·2 = 24; recurrent 23, forward 18 as above
    expect(ops.parts).toEqual({
      inputMacs: 0,
      inputAcs: 12,
      stateMacs: 24,
      recurrentAcs: 23,
      feedForwardAcs: 18,
    });
    expect([ops.macs, ops.acs]).toEqual([24, 12 + 23 + 18]);
    expect(() =>
      snnSequenceOps(shape, { layerSpikesPerSample: [5, 4], inputAcsPerSample: NaN }),
    ).toThrow(/inputAcsPerSample is NaN/);
  });

  it("fewer spikes never cost more, and a silent SNN pays only inputs and state", () => {
    let last = -Infinity;
    for (const spikes of [100, 50, 10, 0]) {
      const e = compareSequenceEnergy(TINY, { layerSpikesPerSample: [spikes] }, horowitz);
      expect(e.ratio.rnn).toBeGreaterThan(last);
      last = e.ratio.rnn;
    }
    const silent = snnSequenceOps(TINY, { layerSpikesPerSample: [0] });
    expect(silent.acs).toBe(0);
    expect(silent.macs).toBe(54);
  });

  it("rejects shapes and measurements that do not fit, naming them", () => {
    expect(() => snnSequenceOps(TINY, { layerSpikesPerSample: [1, 2] })).toThrow(
      /2 entries for 1 hidden/,
    );
    expect(() => snnSequenceOps(TINY, { layerSpikesPerSample: [-1] })).toThrow(
      /layerSpikesPerSample\[0\]/,
    );
    expect(() => rnnSequenceOps({ ...TINY, hidden: [] })).toThrow(/hidden/);
    expect(() => lstmSequenceOps({ ...TINY, steps: 0 })).toThrow(/steps 0/);
  });
});

describe("estimateEnergy on a sequence model's frame", () => {
  // 3 steps (rows) of 2 analog inputs → 4 recurrent ALIF → 2 readout; 6 hidden spikes.
  const frame: FrameCounters = {
    ticks: 3,
    dt: 0.001,
    inputOps: 20, // the engine skipped 4 zero inputs of the dense 24
    layers: [
      { layer: 0, neurons: 4, spikes: 6, synapticOps: 20 + 24, neuronUpdates: 12, annMacs: 72 },
      { layer: 1, neurons: 2, spikes: 0, synapticOps: 12, neuronUpdates: 6, annMacs: 24 },
    ],
    total: { neurons: 6, spikes: 6, synapticOps: 56, neuronUpdates: 18, annMacs: 96 },
  };

  it("only input-driven ops are MACs; the recurrent spikes stay accumulates", () => {
    const e = estimateEnergy(frame, horowitz, 1, { analogInput: true, sequenceLength: 3 });
    expect(e.inputMacs).toBe(20);
    expect(e.synapticOps).toBe(36);
    // 36·0.9 + 20·4.6 + 18·4.6 pJ
    expect(e.energyPerFrame).toBeCloseTo((32.4 + 92 + 82.8) * 1e-12, 22);
  });

  it("the conventional network activates each neuron once per step", () => {
    const per = estimateEnergy(frame, horowitz, 1, { analogInput: true, sequenceLength: 3 });
    // 96·4.6 + 6·3·0.9 pJ
    expect(per.annEnergyPerFrame).toBeCloseTo((441.6 + 16.2) * 1e-12, 22);
    const once = estimateEnergy(frame, horowitz, 1, { analogInput: true });
    expect(once.annEnergyPerFrame).toBeCloseTo((441.6 + 5.4) * 1e-12, 22);
    expect(() => estimateEnergy(frame, horowitz, 1, { sequenceLength: 0 })).toThrow(
      /sequenceLength/,
    );
  });
});
