/**
 * Fuzzing the NIR reader: mutated and truncated copies of a real NIR file. Every outcome is a
 * parsed graph or a NirError naming the file; nothing throws anything else, nothing hangs past
 * the reader's time limit, and the test process survives. Each read is its own worker thread
 * (the isolation under test), so the count is kept modest for a shared machine.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importNir, NirError, readNir } from "../../src/nir/index.js";
import { tempDir } from "../support/temp.js";
import { fixture } from "./helpers.js";

const CASES = 60;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe("NIR reader fuzz", () => {
  it(`${CASES} mutated or truncated lif_norse.nir files: each a graph or one NirError`, async () => {
    const original = readFileSync(fixture("lif_norse.nir"));
    const dir = tempDir();
    const rand = rng(15);
    const outcomes = { graph: 0, nirError: 0 };
    for (let batch = 0; batch < CASES; batch += 6) {
      await Promise.all(
        Array.from({ length: 6 }, async (_, j) => {
          const k = batch + j;
          let bytes = Buffer.from(original);
          if (k % 3 === 0) bytes = bytes.subarray(0, Math.floor(rand() * bytes.length));
          else {
            const flips = 1 + Math.floor(rand() * 16);
            for (let f = 0; f < flips; f++)
              bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
          }
          const file = join(dir, `m${k}.nir`);
          writeFileSync(file, bytes);
          try {
            importNir(await readNir(file, { timeoutMs: 15_000 }));
            outcomes.graph++;
          } catch (err) {
            expect(err, `case ${k}`).toBeInstanceOf(NirError);
            expect((err as Error).message.startsWith(file)).toBe(true);
            outcomes.nirError++;
          }
        }),
      );
    }
    expect(outcomes.graph + outcomes.nirError).toBe(CASES);
    console.log(`fuzz outcomes: ${JSON.stringify(outcomes)}`);
  }, 300_000);
});
