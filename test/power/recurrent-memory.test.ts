import { describe, expect, it } from "vitest";
import {
  ProfileRegistry,
  compareSequenceEnergy,
  type RecurrentShape,
} from "../../src/power/index.js";

const registry = new ProfileRegistry();
const horowitz = registry.get("cmos45-horowitz");
const memory = registry.get("cmos45-memory-lemaire2022");
// 3 steps of 2 inputs → 4 ALIF (recurrent) → 2 leaky readout neurons; 6 hidden spikes per sample.
const TINY: RecurrentShape = { steps: 3, inputSize: 2, hidden: [4], outputs: 2 };
const pJ = 1e-12;
const term = (terms: { term: string; energy: number }[] | undefined, name: string) =>
  (terms ?? []).filter((t) => t.term === name).reduce((s, t) => s + t.energy, 0);

describe("Yin's comparison with memory traffic (Lemaire et al. 2022), by hand", () => {
  // Every array of TINY fits the 8 KB bank: 10 pJ per 64-bit access, so 5 pJ per 32-bit value
  // and 1.25 pJ per 8-bit one.
  const c = compareSequenceEnergy(TINY, { layerSpikesPerSample: [6] }, memory);

  it("SNN: each operation's weight, membrane, input and state accesses", () => {
    // input MACs 24·(4.6 + 5 + 5) = 350.4; recurrent ACs 24·(0.9 + 5 + 5 + 5) = 381.6;
    // readout ACs 12·15.9 = 190.8; state MACs 30·4.6 = 138; ALIF state 3·4·2 words read and
    // written 48·5 = 240; readout state 3·2 words read and written 12·5 = 60.
    expect(c.model).toBe("memory-aware");
    expect(c.snn.energy / pJ).toBeCloseTo(1360.8, 6);
    expect(term(c.snn.terms, "membrane writes") / pJ).toBeCloseTo(36 * 5, 6);
    expect(term(c.snn.terms, "state reads") / pJ).toBeCloseTo(30 * 5, 6);
  });

  it("RNN and LSTM in fp32: each MAC reads a weight and an input", () => {
    // RNN: 96 dense MACs·14.6 = 1401.6; 12 tanh·0.9 = 10.8; readout leak 6·4.6 = 27.6 and its
    // state read and written 12·5 = 60 → 1500.
    expect(c.rnn.energy / pJ).toBeCloseTo(1500, 6);
    // LSTM: 312 dense MACs·14.6 = 4555.2; 36 elementwise MACs·4.6 = 165.6 with 72 operand reads
    // ·5 = 360 and 12 cell writes·5 = 60; 60 activations·0.9 = 54; readout 27.6 + 60 → 5282.4.
    expect(c.lstm.energy / pJ).toBeCloseTo(5282.4, 6);
    expect(c.ratio.rnn).toBeCloseTo(1500 / 1360.8, 9);
  });

  it("the int8 RNN: 0.23 pJ MACs, 8-bit weight and input reads; the readout state stays 32-bit", () => {
    const int8 = c.variants.find((v) => v.name === "int8 ANN")!;
    // 96·(0.23 + 1.25 + 1.25) = 262.08; 12·0.03 = 0.36; 6·0.23 = 1.38; 12·5 = 60 → 323.82
    expect(int8.rnn.energy / pJ).toBeCloseTo(323.82, 6);
    expect(int8.ratio.rnn).toBeCloseTo(323.82 / 1360.8, 9);
  });

  it("a 128-wide W_rec (64 KB) is read from the 1 MB bank: 50 pJ per 32-bit weight", () => {
    const shape: RecurrentShape = { steps: 1, inputSize: 28, hidden: [128], outputs: 10 };
    const m = compareSequenceEnergy(shape, { layerSpikesPerSample: [1] }, memory);
    // W_in 28·128·4 B = 14 KB → 32 KB bank, 10 pJ: 3584 input MACs; W_rec 64 KB → 50 pJ: 128
    // recurrent ACs; W_out 5 KB → 5 pJ: 10 readout ACs.
    expect(term(m.snn.terms, "weight reads") / pJ).toBeCloseTo(3584 * 10 + 128 * 50 + 10 * 5, 6);
  });

  it("event input lines size W_in: 8 lines per pixel under 4 level-crossing levels", () => {
    const shape: RecurrentShape = { steps: 1, inputSize: 28, hidden: [128], outputs: 10 };
    const m = compareSequenceEnergy(
      shape,
      { layerSpikesPerSample: [0], inputAcsPerSample: 100, inputLines: 224 },
      memory,
    );
    // W_in 224·128·4 B = 112 KB → 1 MB bank: 50 pJ per weight read; no input MACs.
    expect(term(m.snn.terms, "weight reads") / pJ).toBeCloseTo(100 * 50, 6);
    expect(m.snn.parts.inputMacs).toBe(0);
  });

  it("arithmetic profiles keep the arithmetic energies and price the int8 variant", () => {
    const a = compareSequenceEnergy(TINY, { layerSpikesPerSample: [6] }, horowitz);
    expect(a.model).toBe("arithmetic");
    expect(a.snn.energy / pJ).toBeCloseTo(280.8, 6); // 54·4.6 + 36·0.9
    const int8 = a.variants.find((v) => v.name === "int8 ANN")!;
    // 102 MACs·0.23 + 12 activations·0.03 = 23.82
    expect(int8.rnn.energy / pJ).toBeCloseTo(23.82, 6);
    // 354·0.23 + 60·0.03 = 83.22
    expect(int8.lstm.energy / pJ).toBeCloseTo(83.22, 6);
  });
});
