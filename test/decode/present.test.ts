/**
 * The command line's early exit: one policy syntax, and the engine-level loop (infer, bench)
 * that stops a frame when the policy holds and otherwise ticks exactly as Network.run does.
 */
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EarlyExitPolicy, parseEarlyExit, presentWithEarlyExit } from "../../src/decode/index.js";
import { encoderForModel } from "../../src/encode/index.js";
import { createNetwork, loadModel } from "../../src/snn/index.js";
import { readFileSync } from "node:fs";
import { ROOT } from "../support/cli.js";

const GOLDEN = join(ROOT, "test/fixtures/golden");

describe("parseEarlyExit", () => {
  it("reads margin:hold and margin:hold:min", () => {
    expect(parseEarlyExit("1:10")).toEqual({ margin: 1, holdTicks: 10 });
    expect(parseEarlyExit("0.5:20:40")).toEqual({ margin: 0.5, holdTicks: 20, minTicks: 40 });
  });
  it("refuses anything else, naming the text and the syntax", () => {
    for (const bad of [
      "",
      "1",
      "1:",
      ":10",
      "-1:10",
      "1:0",
      "1:2.5",
      "1:10:-3",
      "a:b",
      "1:10:5:6",
    ]) {
      expect(() => parseEarlyExit(bad), bad).toThrow(
        new RegExp(
          `^--early-exit ${bad.replace(/[.]/g, "\\.")}: give margin:hold or margin:hold:min`,
        ),
      );
    }
  });
  it("fuzz: whatever it accepts, the policy accepts too", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 16 }), (text) => {
        let parsed;
        try {
          parsed = parseEarlyExit(text);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
          return;
        }
        expect(() => new EarlyExitPolicy(parsed)).not.toThrow();
      }),
    );
  });
});

describe("presentWithEarlyExit", () => {
  it("ticks as Network.run does while the policy never stops, and stops early when it does", async () => {
    const model = await loadModel(GOLDEN);
    const bytes = readFileSync(join(GOLDEN, "inputs.f32"));
    const pixels = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 784 * 4),
    );
    const T = model.spec.presentation.timesteps;
    const plain = createNetwork(model);
    const expected = Array.from(plain.run(pixels, T).scores);
    const expectedSpikes = plain.counters().total.spikes;

    const net = createNetwork(model);
    const encoder = encoderForModel(model.spec);
    const never = new EarlyExitPolicy({ margin: 1e9, holdTicks: 1 });
    const full = presentWithEarlyExit(net, pixels, T, encoder, never);
    expect(full.ticks).toBe(T);
    expect(Array.from(full.scores)).toEqual(expected);
    expect(net.counters().total.spikes).toBe(expectedSpikes);

    const eager = new EarlyExitPolicy({ margin: 1, holdTicks: 5 });
    const early = presentWithEarlyExit(net, pixels, T, encoder, eager);
    expect(early.ticks).toBeLessThan(T);
    expect(early.ticks).toBe(eager.stoppedAt);
    expect(net.counters().ticks).toBe(early.ticks);
    // Reset between frames: the same frame again stops at the same tick.
    expect(presentWithEarlyExit(net, pixels, T, encoder, eager).ticks).toBe(early.ticks);
  });
});
