/** The interface every energy model implements (src/power/README.md describes each model). */
import type { FrameCounters } from "../../snn/counters.js";
import type { EnergyLayer } from "../layers.js";
import type { EnergyModelName, EnergyTerm, HardwareProfile } from "../types.js";

/** What a model accounts for: one frame's counters and the facts around them. */
export interface EnergyInput {
  counters: FrameCounters;
  /** Multiply-accumulates of an analog input into the first layer (part of its synapticOps). */
  inputMacs: number;
  /** Steps of the conventional network per frame (a sequence encoder's length, else 1). */
  steps: number;
  /** Per weighted layer, aligned with counters.layers (energyLayers(model)); some models need it. */
  layers?: readonly EnergyLayer[];
}

/** A conventional network of the same shape: its arithmetic costs and, where charged, its width. */
export interface ConventionalSpec {
  name: string;
  annMac: number;
  annNeuron: number;
  /** Width of weights and activations, bits (memory-aware; default the profile's widths). */
  bits?: number;
}

/** One way of turning counts into energy: each returns its account term by term. */
export interface EnergyModel {
  readonly name: EnergyModelName;
  spiking(input: EnergyInput, profile: HardwareProfile): EnergyTerm[];
  conventional(input: EnergyInput, profile: HardwareProfile, ann: ConventionalSpec): EnergyTerm[];
}

/** Terms summed by name, in the order first met. */
export class TermAccumulator {
  private readonly terms = new Map<string, EnergyTerm>();

  add(term: string, count: number, energyEach: number): void {
    const t = this.terms.get(term);
    if (t) {
      t.count += count;
      t.energy += count * energyEach;
    } else {
      this.terms.set(term, { term, count, energy: count * energyEach });
    }
  }

  list(): EnergyTerm[] {
    return [...this.terms.values()];
  }
}
