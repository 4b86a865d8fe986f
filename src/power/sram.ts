/**
 * Energy of one memory access of a memory-aware profile (src/power/README.md, "Memory"):
 * - an array lives in the smallest SRAM bank that holds it (Horowitz's 8 KB, 32 KB, 1 MB);
 *   an array larger than the largest bank is charged the largest bank's figure, as if tiled
 *   over banks of that size (this flatters it: off-chip DRAM would cost 1.3-2.6 nJ);
 * - an access of b bits costs b / wordBits of a word's energy: the values an event or a MAC
 *   stream reads are contiguous (a spike's fan-out reads a run of weights and of membranes;
 *   an ANN streams its weights), so one 64-bit word serves 64 / b of them.
 */
import type { MemoryFigures } from "./types.js";

export function sramAccessEnergy(arrayBytes: number, bits: number, memory: MemoryFigures): number {
  const banks = memory.banks;
  let bank = banks[banks.length - 1];
  for (const b of banks) {
    if (b.bytes >= arrayBytes) {
      bank = b;
      break;
    }
  }
  return (bank.energy * bits) / memory.wordBits;
}

/** Bytes of an array of `values` values of `bits` bits. */
export const arrayBytes = (values: number, bits: number): number => (values * bits) / 8;
