/**
 * The shipped default model on bags another writer made, and on the sample bag `npm start`
 * replays: as accurate as its model card says, within what 30 frames can tell.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { replayBag } from "../../src/bag/replay/index.js";
import { ROOT, SAMPLE_BAG, SHIPPED_MODEL, fixtureBag, tempDir } from "./helpers.js";

const MODEL_JSON = join(SHIPPED_MODEL, "model.json");
const present = existsSync(MODEL_JSON);
const why = present ? "" : ` (skipped: ${relative(ROOT, MODEL_JSON)} does not exist yet)`;

interface Stated {
  spiking: number;
  images: number;
}

/** The accuracy the model states on the most images it was measured on (its test set). */
function statedAccuracy(): { key: string; stated: Stated } {
  const json = JSON.parse(readFileSync(MODEL_JSON, "utf8")) as {
    provenance: { accuracy?: Record<string, Stated> };
  };
  const entries = Object.entries(json.provenance.accuracy ?? {});
  expect(entries.length, "model.json provenance.accuracy states no accuracy").toBeGreaterThan(0);
  const [key, stated] = entries.sort((a, b) => b[1].images - a[1].images)[0];
  const card = readFileSync(join(SHIPPED_MODEL, "README.md"), "utf8");
  // The card states the same figure (to one or two decimals, "90.4%" or "90.38 %").
  const pct = 100 * stated.spiking;
  const written = [pct.toFixed(1), pct.toFixed(2)].map((v) => v.replace(".", "\\."));
  expect(card).toMatch(new RegExp(`(${written.join("|")})\\s?%`));
  return { key, stated };
}

/** Three standard errors below the stated accuracy for n frames: a worse model fails, luck does not. */
function lowerBound(p: number, n: number): number {
  return p - 3 * Math.sqrt((p * (1 - p)) / n);
}

describe("the shipped fashion-mnist-lif model", () => {
  it.skipIf(!present)(
    `classifies the independent mono8 and PNG bags as well as its model card says${why}`,
    async () => {
      const { stated } = statedAccuracy();
      let correct = 0;
      let labelled = 0;
      for (const name of ["fm_mono8_20.mcap", "fm_png_10.mcap"]) {
        const s = await replayBag({
          bag: fixtureBag(name),
          model: SHIPPED_MODEL,
          out: join(tempDir(), "out"),
        });
        expect(s).toMatchObject({ errors: 0, dropped: 0 });
        expect(s.classified).toBe(s.frames);
        correct += s.accuracy!.correct;
        labelled += s.accuracy!.labelled;
      }
      expect(labelled).toBe(30);
      expect(correct / labelled).toBeGreaterThanOrEqual(lowerBound(stated.spiking, labelled));
    },
  );

  it.skipIf(!present)(
    `classifies the camera-framed sample bag as well as its model card says${why}`,
    async () => {
      const { stated } = statedAccuracy();
      const s = await replayBag({
        bag: SAMPLE_BAG,
        model: SHIPPED_MODEL,
        out: join(tempDir(), "out"),
        limit: 30,
      });
      expect(s).toMatchObject({ frames: 30, classified: 30, errors: 0 });
      expect(s.accuracy!.accuracy).toBeGreaterThanOrEqual(lowerBound(stated.spiking, 30));
    },
  );
});

const MOVING_MODEL = join(ROOT, "models", "moving-fashion-srnn");
const MOVING_BAG = join(ROOT, "samples", "moving-fashion-camera");

describe("the shipped moving-fashion-srnn stream model", () => {
  it("tells the direction on the first 30 clips of its sample bag as well as its eval says, state carried", async () => {
    // eval-test.json measured the 1 000 test clips through the same stream path; over all nine
    // frame positions (the unscored cut frame included, as replay counts it) its accuracy is the
    // mean of accuracyByFrame.
    const ev = JSON.parse(readFileSync(join(MOVING_MODEL, "eval-test.json"), "utf8")) as {
      presentation: string;
      accuracyByFrame: number[];
    };
    expect(ev.presentation).toBe("continuous");
    const stated = ev.accuracyByFrame.reduce((a, b) => a + b, 0) / ev.accuracyByFrame.length;
    const s = await replayBag({
      bag: MOVING_BAG,
      model: MOVING_MODEL,
      out: join(tempDir(), "out"),
      limit: 270,
    });
    expect(s).toMatchObject({ frames: 270, classified: 270, errors: 0, dropped: 0 });
    expect(s.accuracy!.labelled).toBe(270);
    expect(s.accuracy!.accuracy).toBeGreaterThanOrEqual(lowerBound(stated, 270));
    expect(s.accuracy!.accuracy).toBeGreaterThan(0.5); // chance is 25 %
  });
});
