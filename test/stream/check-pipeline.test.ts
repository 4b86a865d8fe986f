/**
 * checkPipeline (src/stream/check-pipeline.ts): without a worker and without waiting, it must
 * accept what createPipeline's ready() resolves for, with the same facts, and refuse what
 * ready() rejects, with the same reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPipeline, createPipeline } from "../../src/stream/index.js";
import type { PipelineOptions } from "../../src/stream/types.js";
import { writeTinyModel, type TinyModel } from "./tiny-model.js";

let model: TinyModel;
beforeAll(async () => {
  model = await writeTinyModel();
});
afterAll(async () => {
  await model.cleanup();
});

/** What the worker says: ready()'s facts, or the message it rejects with. */
async function worker(options: PipelineOptions): Promise<unknown> {
  const pipeline = createPipeline(options);
  try {
    return await pipeline.ready();
  } catch (err) {
    return { refused: (err as Error).message };
  } finally {
    await pipeline.close({ drain: false, timeoutMs: 1000 });
  }
}

function preflight(options: PipelineOptions): unknown {
  try {
    return checkPipeline(options);
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

describe("checkPipeline agrees with the worker's load", () => {
  const cases: [string, (dir: string) => PipelineOptions][] = [
    ["the model as it is", (dir) => ({ model: dir })],
    ["overrides that run", (dir) => ({ model: dir, timesteps: 7, presentation: "continuous" })],
    ["an encoder the model cannot take", (dir) => ({ model: dir, encoder: { type: "rows" } })],
    ["an unknown power profile", (dir) => ({ model: dir, powerProfile: "no-such-chip" })],
    ["a missing model", (dir) => ({ model: `${dir}-missing` })],
  ];
  for (const [name, options] of cases) {
    it(name, async () => {
      const o = options(model.dir);
      expect(preflight(o)).toEqual(await worker(o));
    });
  }

  it("refuses bad options before anything is read, as createPipeline throws", () => {
    const o = { model: model.dir, timesteps: 0 };
    expect(() => createPipeline(o)).toThrow(/timesteps must be an integer >= 1/);
    expect(() => checkPipeline(o)).toThrow(/timesteps must be an integer >= 1/);
  });
});
