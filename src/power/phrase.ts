/**
 * The one way a report says which way an energy ratio points. ratio = conventional / spiking
 * energy, as EnergyEstimate.ratio.
 *   ratioPhrase(3.14, "the fp32 ANN") → "spiking costs 3.1× less than the fp32 ANN"
 *   ratioPhrase(0.5)                  → "spiking costs 2.0× more"
 */
export function ratioPhrase(ratio: number, against?: string): string {
  const than = against ? ` than ${against}` : "";
  if (Number.isNaN(ratio)) return "no energy either way";
  if (ratio === 0)
    return `the ${against ? against.replace(/^the /, "") : "conventional network"} cost nothing`;
  if (!Number.isFinite(ratio)) return "the spiking run cost nothing";
  if (ratio >= 1) return `spiking costs ${ratio.toFixed(1)}× less${than}`;
  return `spiking costs ${(1 / ratio).toFixed(1)}× more${than}`;
}

/** conventional / spiking, with the conventions of EnergyEstimate.ratio. */
export function energyRatio(conventional: number, spiking: number): number {
  return spiking > 0 ? conventional / spiking : conventional > 0 ? Infinity : 0;
}
