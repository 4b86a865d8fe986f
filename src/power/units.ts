/** Energy figures as text: SI prefixes and the units of a profile. */
const PREFIXES: [number, string][] = [
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
  [1, ""],
  [1e-3, "m"],
  [1e-6, "µ"],
  [1e-9, "n"],
  [1e-12, "p"],
  [1e-15, "f"],
];

/** 3 significant figures with an SI prefix: 1.23e-6 J → "1.23 µJ". */
export function si(value: number, unit: string): string {
  if (!Number.isFinite(value)) return `${value} ${unit}`;
  if (value === 0) return `0 ${unit}`;
  const abs = Math.abs(value);
  const [scale, prefix] =
    PREFIXES.find(([s]) => abs >= s * 0.9995) ?? PREFIXES[PREFIXES.length - 1];
  return `${(value / scale).toPrecision(3)} ${prefix}${unit}`;
}

/** Energy and power units of a profile's unit ("J" → J and W; "flop" → flop and flop/s). */
export function energyUnits(unit: string): { energy: string; power: string } {
  return unit === "J" ? { energy: "J", power: "W" } : { energy: unit, power: `${unit}/s` };
}
