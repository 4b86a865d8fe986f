/** What the model cards tell a user to run does what they say on a checkout. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/cli.js";

const MODELS = join(ROOT, "models");
const cards = readdirSync(MODELS, { withFileTypes: true })
  .filter(
    (e) =>
      e.isDirectory() &&
      existsSync(join(MODELS, e.name, "README.md")) &&
      ["model.json", "baseline.json"].some((f) => existsSync(join(MODELS, e.name, f))),
  )
  .map((e) => e.name);

/** The `spikenode train` commands of a card's shell blocks, continuation lines joined. */
function trainCommands(card: string): string[] {
  const blocks = [...card.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1].replace(/\\\n\s*/g, " "),
  );
  return blocks.flatMap((b) => b.split("\n")).filter((l) => l.startsWith("spikenode train "));
}

describe("model cards", () => {
  it("exist for every shipped model", () => {
    expect(cards).toEqual(
      expect.arrayContaining([
        "fashion-mnist-lif",
        "mnist-lif",
        "fashion-mnist-rows-srnn",
        "moving-fashion-srnn",
      ]),
    );
  });

  it.each(cards)(
    "%s: Reproduce trains into a fresh out/ folder; only --export-only names the shipped one",
    (name) => {
      const commands = trainCommands(readFileSync(join(MODELS, name, "README.md"), "utf8"));
      expect(commands.length).toBeGreaterThan(0);
      expect(commands.some((c) => /--out out\//.test(c) && !c.includes("--export-only"))).toBe(
        true,
      );
      for (const c of commands) {
        const out = /--out (\S+)/.exec(c)?.[1] ?? "";
        if (out.startsWith("models/")) expect(c, c).toContain("--export-only");
        // --init-from must name a run the commands themselves make, not the shipped folder.
        const from = /--init-from (\S+)/.exec(c)?.[1];
        if (from) expect(from).toMatch(/^out\//);
      }
    },
  );
});
