import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { benchPipeline, runPipelineBench } from "../../src/stream/bench-pipeline.js";
import { writeTinyModel, type TinyModel } from "./tiny-model.js";

let tiny: TinyModel;
beforeAll(async () => {
  tiny = await writeTinyModel();
});
afterAll(async () => {
  await tiny.cleanup();
});

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  w.text = "";
  return w;
}

describe("pipeline benchmark", () => {
  it("paces synthetic frames through the pipeline and accounts for all of them", async () => {
    const r = await benchPipeline({
      model: tiny.dir,
      width: 64,
      height: 48,
      encoding: "bgr8",
      fps: 100,
      frames: 30,
      warmup: 5,
      memoryAt: [10, 30],
    });
    expect(r.framesIn).toBe(30);
    expect(r.processed + r.dropped + r.errors).toBe(30);
    expect(r.errors).toBe(0);
    expect(r.latencyMs.p50).toBeGreaterThan(0);
    expect(r.latencyMs.p99).toBeGreaterThanOrEqual(r.latencyMs.p50);
    expect(r.latencyMs.max).toBeGreaterThanOrEqual(r.latencyMs.p99);
    expect(r.memory.samples.map((m) => m.frame)).toEqual([10, 30]);
    expect(r.memory.rssGrowthPercent).not.toBeNull();
    expect(r.cpu.userSeconds).toBeGreaterThan(0);
    // 30 frames at 100 fps take about 0.3 s of wall time, never much less.
    expect(r.wallSeconds).toBeGreaterThan(0.28);
    expect(r.config).toMatchObject({ presentation: "reset", timesteps: 30, encoder: "constant" });
    expect(r.meanTimestepsUsed).toBe(30);
  });

  it("prints JSON for --json and refuses bad options in one line", async () => {
    const out = sink();
    await runPipelineBench(
      { model: tiny.dir, width: "32", height: "24", fps: "200", frames: "10", json: true },
      out,
    );
    const parsed = JSON.parse(out.text) as { benchmark: string; framesIn: number };
    expect(parsed).toMatchObject({ benchmark: "pipeline", framesIn: 10 });

    await expect(runPipelineBench({})).rejects.toThrow(/--model/);
    await expect(runPipelineBench({ model: tiny.dir, encoding: "yuv" })).rejects.toThrow(
      /--encoding "yuv"/,
    );
    await expect(runPipelineBench({ model: tiny.dir, frames: "-3" })).rejects.toThrow(/--frames/);
    const missing = runPipelineBench({ model: `${tiny.dir}-nope`, frames: 1 });
    await expect(missing).rejects.toThrow(/could not be loaded/);
    await expect(missing).rejects.toHaveProperty("userFacing", true);
  });
});
