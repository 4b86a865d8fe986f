import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const benchCommand: CommandModule = {
  name: "bench",
  summary:
    "Batch-1 latency, throughput, synaptic operations and memory of a model on this machine.",
  configure(command: Command) {
    command
      .requiredOption("--model <dir>", "model directory, or a .nir file")
      .option("--dt <s>", "with a .nir model: the step NIR leaves open, in seconds (default 1e-4)")
      .option("--frames <n>", "timed frames", "100")
      .option(
        "--input <files...>",
        "inputs to cycle through: raw .f32 files or PNG/JPEG images, as for infer (default: seeded uniform random pixels)",
      )
      .option("--engine <name>", "fast | reference", "fast")
      .option("--timesteps <T>", "ticks per frame (default: the model's presentation.timesteps)")
      .option(
        "--early-exit <margin:hold[:min]>",
        "stop a frame once the winner leads by margin for hold ticks (default: off)",
      )
      .option("--json", "print JSON", false)
      .option("--pipeline", "the whole pipeline on a synthetic camera (src/stream)", false)
      .option("--width <px>", "--pipeline: camera width", "640")
      .option("--height <px>", "--pipeline: camera height", "480")
      .option("--encoding <enc>", "--pipeline: mono8 | rgb8 | bgr8 | rgba8 | bgra8", "rgb8")
      .option("--fps <n>", "--pipeline: camera frame rate", "30")
      .option("--presentation <mode>", "--pipeline: reset | continuous (default: the model's)")
      .option("--queue <n>", "--pipeline: frames that may wait for the worker", "1");
  },
  async load() {
    return async (command: Command) => {
      const opts = command.opts<{
        model: string;
        frames: string;
        input?: string[];
        engine: string;
        timesteps?: string;
        earlyExit?: string;
        json: boolean;
        pipeline: boolean;
        dt?: string;
      }>();
      if (opts.pipeline) {
        const { runPipelineBench } = await import("../../stream/bench-pipeline.js");
        await runPipelineBench(command.opts());
        return;
      }
      const { UserError } = await import("../fatal.js");
      const { timestepsOption, earlyExitOption, ticksFor } = await import("../options.js");
      const { readCheckedInputs } = await import("../inputs.js");
      const { benchEngine, machine } = await import("../../bench/measure.js");
      const timesteps = timestepsOption(opts.timesteps);
      const earlyExit = earlyExitOption(opts.earlyExit);
      const frames = Number(opts.frames);
      if (!Number.isInteger(frames) || frames < 1)
        throw new UserError(`--frames ${opts.frames}: give a positive whole number`);
      if (opts.engine !== "fast" && opts.engine !== "reference") {
        throw new UserError(`--engine ${opts.engine}: use "fast" or "reference"`);
      }
      const { loadModelFrom, dtOption } = await import("../model-source.js");
      const model = await loadModelFrom(opts.model, { dt: await dtOption(opts.dt) });
      let inputs: Float32Array[];
      if (opts.input !== undefined) {
        inputs = (await readCheckedInputs(opts.input, model)).map((i) => i.values);
      } else {
        let s = 12345;
        const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
        inputs = Array.from({ length: 8 }, () =>
          Float32Array.from({ length: model.inputSize }, rand),
        );
      }
      const T = ticksFor(model, timesteps);
      const r = benchEngine(model, inputs, opts.engine, frames, { timesteps: T, earlyExit });
      const result = {
        model: model.spec.name,
        timesteps: T,
        earlyExit,
        dt: model.spec.dt,
        ...r,
        machine: machine(),
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const m = result.machine;
      process.stdout.write(
        [
          `${result.model} (${opts.engine} engine, batch 1, ${result.timesteps} ticks of ${result.dt * 1000} ms${earlyExit ? `, early exit ${opts.earlyExit}: ${r.ticksPerFrame.toFixed(1)} ticks per frame on average` : ""}, ${frames} frames)`,
          `latency: median ${r.medianMs.toFixed(3)} ms, p95 ${r.p95Ms.toFixed(3)} ms, ${r.framesPerSecond.toFixed(1)} frames/s (CPU ${r.cpuMsPerFrame.toFixed(3)} ms/frame)`,
          `synaptic ops: ${Math.round(r.synapticOpsPerFrame)} per frame, ${(r.synapticOpsPerSecond / 1e6).toFixed(1)} M/s; spikes ${Math.round(r.spikesPerFrame)} per frame; layer rates ${r.layerRatesHz.map((x) => x.toFixed(1)).join(" / ")} Hz`,
          `energy: ${r.energy.energyPerFrame.toExponential(3)} ${r.energy.unit} per frame (${r.energy.profile}; random inputs), the ${r.energy.annLabel} ${r.energy.annEnergyPerFrame.toExponential(3)} ${r.energy.unit}: ${r.energy.comparison}`,
          `peak memory (RSS): ${(r.peakRssBytes / 2 ** 20).toFixed(1)} MiB`,
          `machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}`,
        ].join("\n") + "\n",
      );
    };
  },
};
