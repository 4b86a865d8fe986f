/**
 * Yin, Corradi & Bohté's energy comparison for sequence models: an adaptive spiking RNN against
 * a vanilla RNN and an LSTM of the same sizes, per sample (one whole sequence).
 *
 * What we count (the paper's exact counting and pJ pair are unconfirmed, see papers.md B4):
 * - SNN: analog inputs enter the first layer as multiply-accumulates (`inputMacs`); event
 *   inputs (a delta/DVS encoder's ±amplitude events, the amplitude folded into the weights) as
 *   accumulates into the first layer (`inputAcs`, measured events × fan-out); every
 *   hidden spike is an accumulate into its fan-out, its own layer through the recurrent weights
 *   and the next layer or the readout (`recurrentAcs`, `feedForwardAcs`, from measured spikes);
 *   each ALIF neuron costs `alifStateMacs` MACs per step (default 2: membrane leak α·u and
 *   adaptation decay ρ·η; the (1−α) input scale and the threshold b0 + β·η are taken as folded
 *   into the weights and the comparison) and each readout neuron `readoutStateMacs` (default 1:
 *   its leak).
 * - RNN (tanh): W_in·x + W_rec·h per layer per step, plus the readout's dense MACs, all MACs;
 *   one activation (bias + tanh) per hidden neuron per step.
 * - LSTM: 4 gates' W_in·x + W_rec·h per layer per step, plus the readout; elementwise per hidden
 *   neuron per step 3 MACs (f⊙c + i⊙g, o⊙tanh(c)) and 5 activations (3 sigmoids, 2 tanh).
 * - All three share the leaky-integrator readout (as trained here): `readoutStateMacs` each.
 * Energies: MACs × E_mac (`annMac`), accumulates × E_synop (`synapticOp`), activations ×
 * `annNeuron` under an arithmetic profile; a memory-aware profile adds each operation's memory
 * accesses (recurrent-accounts.ts).
 */
import { conventionalSequenceTerms, snnSequenceTerms, termsEnergy } from "./recurrent-accounts.js";
import type { EnergyModelName, EnergyTerm, HardwareProfile } from "./types.js";

/** The sizes shared by the three networks. */
export interface RecurrentShape {
  /** Steps per sample (sequence length). */
  steps: number;
  /** Analog inputs per step. */
  inputSize: number;
  /** Recurrent hidden layer sizes. */
  hidden: readonly number[];
  /** Readout neurons (classes). */
  outputs: number;
}

export interface SpikingMeasurement {
  /** Measured spikes per sample of each hidden layer (summed over its neurons and the steps). */
  layerSpikesPerSample: readonly number[];
  /**
   * Input multiply-accumulates per sample when measured (the engine skips zero inputs); default
   * the dense bound steps × inputSize × hidden[0].
   */
  inputMacsPerSample?: number;
  /**
   * Event input instead: measured accumulates per sample driven by input events (each event
   * times its fan-out into the first layer). When given, no input MACs are charged.
   */
  inputAcsPerSample?: number;
  /**
   * Input lines of the first layer, when they differ from shape.inputSize (spike-coded input:
   * 2·levels event lines per value). Sizes W_in for the memory-aware account only.
   */
  inputLines?: number;
}

export interface CountingOptions {
  /** MACs per ALIF neuron per step (default 2: membrane leak, adaptation decay). */
  alifStateMacs?: number;
  /** MACs per readout neuron per step (default 1: the leaky integrator's leak). */
  readoutStateMacs?: number;
}

/** Operations of one network per sample. */
export interface SequenceOps {
  /** All multiply-accumulates (the parts below that are MACs, summed). */
  macs: number;
  /** All accumulates (spike-driven synaptic operations). */
  acs: number;
  /** Activations (bias + nonlinearity), charged `annNeuron` each. */
  activations: number;
  /** Breakdown, each per sample. */
  parts: Record<string, number>;
}

export interface NetworkEnergy extends SequenceOps {
  /**
   * The sum of `terms`, in the profile's unit: arithmetic, macs·E_mac + acs·E_synop +
   * activations·E_annNeuron; memory-aware, that plus the memory accesses (recurrent-accounts.ts).
   */
  energy: number;
  /** The account term by term (src/power/README.md names each term). */
  terms?: EnergyTerm[];
}

/** The RNN and LSTM priced as another conventional network (a profile's annVariants). */
export interface SequenceVariant {
  /** "int8 ANN" in the profile; reports say "int8 RNN", "int8 LSTM". */
  name: string;
  rnn: NetworkEnergy;
  lstm: NetworkEnergy;
  ratio: { rnn: number; lstm: number };
}

export interface SequenceEnergyComparison {
  profile: string;
  /** The profile's energy model (arithmetic unless it says memory-aware). */
  model: EnergyModelName;
  unit: "J" | "flop";
  shape: RecurrentShape;
  counting: Required<CountingOptions>;
  snn: NetworkEnergy;
  rnn: NetworkEnergy;
  lstm: NetworkEnergy;
  /** rnn.energy / snn.energy and lstm.energy / snn.energy (how many times cheaper the SNN is). */
  ratio: { rnn: number; lstm: number };
  /** The profile's annVariants (e.g. int8), each as an RNN and an LSTM of the same sizes. */
  variants: SequenceVariant[];
}

const DEFAULT_COUNTING: Required<CountingOptions> = { alifStateMacs: 2, readoutStateMacs: 1 };

function checkShape(shape: RecurrentShape): void {
  const ok = (n: number) => Number.isInteger(n) && n > 0;
  if (!ok(shape.steps) || !ok(shape.inputSize) || !ok(shape.outputs)) {
    throw new RangeError(
      `recurrent shape steps ${shape.steps}, inputSize ${shape.inputSize}, outputs ${shape.outputs}: each must be a positive integer`,
    );
  }
  if (shape.hidden.length === 0 || !shape.hidden.every(ok)) {
    throw new RangeError(
      `recurrent shape hidden [${shape.hidden.join(", ")}]: give at least one layer, each a positive integer size`,
    );
  }
}

/** Dense multiply-accumulates per step of `gates` gate matrices per layer, readout included. */
export function denseMacsPerStep(
  shape: Pick<RecurrentShape, "inputSize" | "hidden" | "outputs">,
  gates: number,
): number {
  let nIn = shape.inputSize;
  let macs = 0;
  for (const h of shape.hidden) {
    macs += gates * h * (nIn + h);
    nIn = h;
  }
  return macs + shape.outputs * nIn;
}

const sum = (a: readonly number[]) => a.reduce((s, v) => s + v, 0);

/** The spiking network's operations per sample from its measured spikes. */
export function snnSequenceOps(
  shape: RecurrentShape,
  measured: SpikingMeasurement,
  options: CountingOptions = {},
): SequenceOps {
  checkShape(shape);
  const c = { ...DEFAULT_COUNTING, ...options };
  const { hidden, steps } = shape;
  if (measured.layerSpikesPerSample.length !== hidden.length) {
    throw new RangeError(
      `layerSpikesPerSample has ${measured.layerSpikesPerSample.length} entries for ${hidden.length} hidden layers; give one spike count per hidden layer`,
    );
  }
  let recurrentAcs = 0;
  let feedForwardAcs = 0;
  hidden.forEach((h, l) => {
    const spikes = measured.layerSpikesPerSample[l];
    if (!(spikes >= 0) || !Number.isFinite(spikes)) {
      throw new RangeError(
        `layerSpikesPerSample[${l}] is ${spikes}; it must be a finite count >= 0`,
      );
    }
    recurrentAcs += spikes * h;
    feedForwardAcs += spikes * (l + 1 < hidden.length ? hidden[l + 1] : shape.outputs);
  });
  const events = measured.inputAcsPerSample;
  if (events !== undefined && !(events >= 0 && Number.isFinite(events)))
    throw new RangeError(`inputAcsPerSample is ${events}; it must be a finite count >= 0`);
  const inputMacs =
    events !== undefined ? 0 : (measured.inputMacsPerSample ?? steps * shape.inputSize * hidden[0]);
  const inputAcs = events ?? 0;
  const stateMacs = steps * (c.alifStateMacs * sum(hidden) + c.readoutStateMacs * shape.outputs);
  return {
    macs: inputMacs + stateMacs,
    acs: inputAcs + recurrentAcs + feedForwardAcs,
    activations: 0,
    parts: { inputMacs, inputAcs, stateMacs, recurrentAcs, feedForwardAcs },
  };
}

/** A vanilla (tanh) RNN of the same sizes, per sample. */
export function rnnSequenceOps(shape: RecurrentShape, options: CountingOptions = {}): SequenceOps {
  checkShape(shape);
  const c = { ...DEFAULT_COUNTING, ...options };
  const synapticMacs = shape.steps * denseMacsPerStep(shape, 1);
  const readoutStateMacs = shape.steps * c.readoutStateMacs * shape.outputs;
  return {
    macs: synapticMacs + readoutStateMacs,
    acs: 0,
    activations: shape.steps * sum(shape.hidden),
    parts: { synapticMacs, readoutStateMacs },
  };
}

/** An LSTM of the same sizes, per sample. */
export function lstmSequenceOps(shape: RecurrentShape, options: CountingOptions = {}): SequenceOps {
  checkShape(shape);
  const c = { ...DEFAULT_COUNTING, ...options };
  const gateMacs = shape.steps * denseMacsPerStep(shape, 4);
  const elementwiseMacs = shape.steps * 3 * sum(shape.hidden);
  const readoutStateMacs = shape.steps * c.readoutStateMacs * shape.outputs;
  return {
    macs: gateMacs + elementwiseMacs + readoutStateMacs,
    acs: 0,
    activations: shape.steps * 5 * sum(shape.hidden),
    parts: { gateMacs, elementwiseMacs, readoutStateMacs },
  };
}

export function sequenceOpsEnergy(ops: SequenceOps, profile: HardwareProfile): NetworkEnergy {
  return {
    ...ops,
    energy:
      ops.macs * profile.annMac +
      ops.acs * profile.synapticOp +
      ops.activations * (profile.annNeuron ?? 0),
  };
}

function ratioOf(conventional: number, spiking: number): number {
  return spiking > 0 ? conventional / spiking : conventional > 0 ? Infinity : 0;
}

/**
 * Yin's comparison under one profile: the three networks' operations, energies (term by term,
 * under the profile's energy model) and ratios, and the conventional two again at each of the
 * profile's annVariants' prices.
 */
export function compareSequenceEnergy(
  shape: RecurrentShape,
  measured: SpikingMeasurement,
  profile: HardwareProfile,
  options: CountingOptions = {},
): SequenceEnergyComparison {
  const counting = { ...DEFAULT_COUNTING, ...options };
  const snnOps = snnSequenceOps(shape, measured, options);
  const snnTerms = snnSequenceTerms(
    shape,
    {
      layerSpikesPerSample: measured.layerSpikesPerSample,
      inputMacs: snnOps.parts.inputMacs,
      inputAcs: snnOps.parts.inputAcs,
      inputLines: measured.inputLines,
      ...counting,
    },
    profile,
  );
  const snn: NetworkEnergy = { ...snnOps, energy: termsEnergy(snnTerms), terms: snnTerms };
  const rnnOps = rnnSequenceOps(shape, options);
  const lstmOps = lstmSequenceOps(shape, options);
  const priced = (prices: { annMac: number; annNeuron?: number; bits?: number }) => {
    const p = { annMac: prices.annMac, annNeuron: prices.annNeuron ?? 0, bits: prices.bits };
    const rt = conventionalSequenceTerms(shape, 1, p, profile, counting.readoutStateMacs);
    const lt = conventionalSequenceTerms(shape, 4, p, profile, counting.readoutStateMacs);
    const rnn: NetworkEnergy = { ...rnnOps, energy: termsEnergy(rt), terms: rt };
    const lstm: NetworkEnergy = { ...lstmOps, energy: termsEnergy(lt), terms: lt };
    return {
      rnn,
      lstm,
      ratio: { rnn: ratioOf(rnn.energy, snn.energy), lstm: ratioOf(lstm.energy, snn.energy) },
    };
  };
  const own = priced(profile);
  return {
    profile: profile.name,
    model: profile.model ?? "arithmetic",
    unit: profile.unit,
    shape: { ...shape, hidden: [...shape.hidden] },
    counting,
    snn,
    rnn: own.rnn,
    lstm: own.lstm,
    ratio: own.ratio,
    variants: (profile.annVariants ?? []).map((v) => ({ name: v.name, ...priced(v) })),
  };
}
