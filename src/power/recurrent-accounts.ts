/**
 * Term-by-term energy accounts of Yin et al.'s three sequence networks (spiking RNN, vanilla RNN,
 * LSTM), per sample, under either energy model of src/power/README.md:
 *
 * - arithmetic: MACs × E_mac + accumulates × E_synop + activations × E_act, nothing else (what
 *   recurrent.ts has always charged);
 * - memory-aware (Lemaire et al. 2022, Horowitz's SRAM figures by array size): the same arithmetic
 *   plus the memory accesses each operation needs, as the feed-forward model charges them
 *   (models/memory-aware.ts):
 *   - SNN, per spike-driven accumulate: a read of the weight it adds (from the weight matrix it
 *     belongs to: W_in, W_rec, the next layer's W_in or the readout's) and a read and a write of
 *     the target neuron's membrane (an array of that layer's neurons); per analog input MAC a
 *     weight read and an input read; per neuron per step a read and a write of each state
 *     variable (ALIF: membrane and adaptation, 2; the leaky readout: 1);
 *   - RNN/LSTM, per dense MAC: a weight read (W_in or W_rec of its layer; the LSTM's four gates
 *     stacked in one array) and an input read (x, or the previous layer's h, or its own h);
 *     per elementwise LSTM MAC two operand reads from arrays of one layer's size; per hidden
 *     neuron per step the LSTM's cell state written once; the readout's state read and written
 *     per step as the SNN's is. Activations cost their arithmetic only (no table reads counted).
 *   Output writes of h and of spikes, address arithmetic and bias reads are not counted, as in
 *   the feed-forward model.
 *
 * A conventional network may be priced at another width (a profile's annVariants, e.g. the int8
 * RNN/LSTM of Dampfhoffer et al. 2023): its MAC and activation energies, and under the
 * memory-aware model its weight and activation widths. The SNN keeps the profile's widths.
 */
import type { RecurrentShape } from "./recurrent.js";
import { arrayBytes, sramAccessEnergy } from "./sram.js";
import type { EnergyTerm, HardwareProfile, MemoryFigures } from "./types.js";
import { TermAccumulator } from "./models/types.js";

/** The conventional network's prices: the profile's own ANN, or one of its annVariants. */
export interface ConventionalPrices {
  annMac: number;
  annNeuron: number;
  /** Width of weights and activations under the memory-aware model (default: the profile's). */
  bits?: number;
}

/** What the SNN's account needs beyond the shape: measured spikes and the input's form. */
export interface SnnAccountInput {
  layerSpikesPerSample: readonly number[];
  /** Analog input MACs per sample (0 under event input). */
  inputMacs: number;
  /** Event-driven input accumulates per sample (0 under analog input). */
  inputAcs: number;
  /** Input lines of the first layer (event lines under spike-coded input; default inputSize). */
  inputLines?: number;
  alifStateMacs: number;
  readoutStateMacs: number;
}

const ALIF_STATE_VARIABLES = 2;
const READOUT_STATE_VARIABLES = 1;

function memoryOf(profile: HardwareProfile): MemoryFigures | null {
  if (profile.model !== "memory-aware") return null;
  if (!profile.memory) {
    throw new RangeError(
      `profile "${profile.name}" uses the memory-aware model but has no "memory" figures; add memory: { wordBits, banks, weightBits, stateBits, activationBits } (src/power/README.md)`,
    );
  }
  return profile.memory;
}

/** Energy of one access to an array of `values` values of `bits` bits. */
const access = (memory: MemoryFigures, values: number, bits: number) =>
  sramAccessEnergy(arrayBytes(values, bits), bits, memory);

/** The spiking RNN's account per sample. */
export function snnSequenceTerms(
  shape: RecurrentShape,
  m: SnnAccountInput,
  profile: HardwareProfile,
): EnergyTerm[] {
  const memory = memoryOf(profile);
  const t = new TermAccumulator();
  const { hidden, steps, outputs } = shape;
  const lines = m.inputLines ?? shape.inputSize;
  const w = memory?.weightBits ?? 32;
  const s = memory?.stateBits ?? 32;
  const a = memory?.activationBits ?? 32;
  // An accumulate into `targets` neurons of weight matrix `weights` values: AC, weight read,
  // membrane read and write.
  const accumulates = (label: string, count: number, weights: number, targets: number) => {
    t.add(label, count, profile.synapticOp);
    if (!memory) return;
    t.add("weight reads", count, access(memory, weights, w));
    t.add("membrane reads", count, access(memory, targets, s));
    t.add("membrane writes", count, access(memory, targets, s));
  };
  t.add("input MACs", m.inputMacs, profile.annMac);
  if (memory && m.inputMacs > 0) {
    t.add("weight reads", m.inputMacs, access(memory, lines * hidden[0], w));
    t.add("input reads", m.inputMacs, access(memory, shape.inputSize, a));
  }
  accumulates("input accumulates", m.inputAcs, lines * hidden[0], hidden[0]);
  hidden.forEach((h, l) => {
    const spikes = m.layerSpikesPerSample[l];
    accumulates("recurrent accumulates", spikes * h, h * h, h);
    const next = l + 1 < hidden.length ? hidden[l + 1] : outputs;
    accumulates("feed-forward accumulates", spikes * next, h * next, next);
  });
  const alifSteps = steps * hidden.reduce((x, y) => x + y, 0);
  t.add("state-update MACs", alifSteps * m.alifStateMacs, profile.annMac);
  t.add("state-update MACs", steps * outputs * m.readoutStateMacs, profile.annMac);
  if (memory) {
    hidden.forEach((h) => {
      const words = steps * h * ALIF_STATE_VARIABLES;
      t.add("state reads", words, access(memory, h, s));
      t.add("state writes", words, access(memory, h, s));
    });
    const words = steps * outputs * READOUT_STATE_VARIABLES;
    t.add("state reads", words, access(memory, outputs, s));
    t.add("state writes", words, access(memory, outputs, s));
  }
  return t.list();
}

/**
 * A vanilla RNN (gates = 1) or an LSTM (gates = 4) of the same sizes, per sample, at the given
 * prices. `readoutStateMacs` per readout neuron per step as the SNN pays.
 */
export function conventionalSequenceTerms(
  shape: RecurrentShape,
  gates: 1 | 4,
  prices: ConventionalPrices,
  profile: HardwareProfile,
  readoutStateMacs: number,
): EnergyTerm[] {
  const memory = memoryOf(profile);
  const t = new TermAccumulator();
  const { hidden, steps, outputs } = shape;
  const w = prices.bits ?? memory?.weightBits ?? 32;
  const a = prices.bits ?? memory?.activationBits ?? 32;
  const s = memory?.stateBits ?? 32;
  // `count` dense MACs reading a weight array of `weights` values and an input of `inputs`.
  const dense = (count: number, weights: number, inputs: number) => {
    t.add("MACs", count, prices.annMac);
    if (!memory) return;
    t.add("weight reads", count, access(memory, weights, w));
    t.add("input reads", count, access(memory, inputs, a));
  };
  let nIn = shape.inputSize;
  for (const h of hidden) {
    dense(steps * gates * h * nIn, gates * h * nIn, nIn);
    dense(steps * gates * h * h, gates * h * h, h);
    if (gates === 4) {
      const elementwise = steps * 3 * h;
      t.add("elementwise MACs", elementwise, prices.annMac);
      if (memory) {
        t.add("input reads", 2 * elementwise, access(memory, h, a));
        t.add("state writes", steps * h, access(memory, h, a));
      }
    }
    t.add("activations", steps * h * (gates === 4 ? 5 : 1), prices.annNeuron);
    nIn = h;
  }
  dense(steps * outputs * nIn, outputs * nIn, nIn);
  t.add("state-update MACs", steps * outputs * readoutStateMacs, prices.annMac);
  if (memory) {
    const words = steps * outputs * READOUT_STATE_VARIABLES;
    t.add("state reads", words, access(memory, outputs, s));
    t.add("state writes", words, access(memory, outputs, s));
  }
  return t.list();
}

export const termsEnergy = (terms: readonly EnergyTerm[]): number =>
  terms.reduce((sum, x) => sum + x.energy, 0);
