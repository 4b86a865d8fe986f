import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const inferCommand: CommandModule = {
  name: "infer",
  summary:
    "Run a model on raw float32 inputs or PNG/JPEG images and print spike counts, class and counters.",
  configure(command: Command) {
    command
      .requiredOption("--model <dir>", "model directory, or a .nir file")
      .option("--dt <s>", "with a .nir model: the step NIR leaves open, in seconds (default 1e-4)")
      .requiredOption(
        "--input <files...>",
        "raw .f32 files (N inputs in the model's input shape, float32 little-endian, pixels in [0, 1]) or PNG/JPEG images (preprocessed as the node does: colour, fit, invert, normalise)",
      )
      .option("--engine <name>", "fast | reference", "fast")
      .option("--timesteps <T>", "ticks per input (default: the model's presentation.timesteps)")
      .option(
        "--early-exit <margin:hold[:min]>",
        "stop an input once the winner leads by margin for hold ticks (default: off)",
      )
      .option("--json", "print JSON lines, one per input", false)
      .option(
        "--sequence",
        "the input is one float32 file of N samples of T ticks, [N, T, ...per-tick input]: each tick's values go to the network as they are (spikes or currents; models with an external encoder, e.g. NIR imports)",
        false,
      )
      .option(
        "--shape <N,T,...>",
        'with --sequence: the file\'s shape (default: a sibling X.json {"shape": [...]}, else N from the file size)',
      )
      .option(
        "--steps <T>",
        "with --sequence: ticks per sample (default: T of the shape, else presentation.timesteps)",
      )
      .addHelpText(
        "after",
        [
          "",
          "Inputs with NaN or ±Inf are refused, naming file, sample and element; inputs far outside",
          "the range the model's preprocessing produces get a warning on stderr.",
          "",
          "Examples:",
          "  spikenode infer --model models/fashion-mnist-lif --input shoe.png",
          "  spikenode infer --model test/fixtures/golden --input test/fixtures/golden/inputs.f32 --timesteps 50 --json",
          "  spikenode infer --model models/nmnist-nir --sequence --input events.f32 --shape 10,300,2,34,34 --json",
        ].join("\n"),
      );
  },
  async load() {
    return async (command: Command) => {
      const opts = command.opts<{
        model: string;
        input: string[];
        engine: string;
        timesteps?: string;
        earlyExit?: string;
        json: boolean;
        sequence: boolean;
        shape?: string;
        steps?: string;
        dt?: string;
      }>();
      const { UserError } = await import("../fatal.js");
      if (!opts.sequence && (opts.shape !== undefined || opts.steps !== undefined)) {
        throw new UserError("--shape and --steps go with --sequence");
      }
      if (opts.sequence) {
        if (opts.engine !== "fast" && opts.engine !== "reference") {
          throw new UserError(`--engine ${opts.engine}: use "fast" or "reference"`);
        }
        if (opts.timesteps !== undefined || opts.earlyExit !== undefined) {
          throw new UserError("--sequence takes --steps, not --timesteps or --early-exit");
        }
        const { inferSequence } = await import("../sequence-infer.js");
        await inferSequence({ ...opts, engine: opts.engine }, (line) => process.stdout.write(line));
        return;
      }
      const { timestepsOption, earlyExitOption, ticksFor } = await import("../options.js");
      const { createNetwork } = await import("../../snn/index.js");
      const { loadModelFrom, dtOption } = await import("../model-source.js");
      const { encoderForModel } = await import("../../encode/index.js");
      const { EarlyExitPolicy, presentWithEarlyExit } = await import("../../decode/index.js");
      const { readCheckedInputs } = await import("../inputs.js");
      if (opts.engine !== "fast" && opts.engine !== "reference") {
        throw new UserError(`--engine ${opts.engine}: use "fast" or "reference"`);
      }
      const timesteps = timestepsOption(opts.timesteps);
      const earlyExit = earlyExitOption(opts.earlyExit);
      const model = await loadModelFrom(opts.model, { dt: await dtOption(opts.dt) });
      const T = ticksFor(model, timesteps);
      const inputs = await readCheckedInputs(opts.input, model);
      const net = createNetwork(model, { engine: opts.engine });
      const policy = earlyExit ? new EarlyExitPolicy(earlyExit) : undefined;
      // run() computes a constant current itself; the early-exit loop needs the encoder.
      const encoder =
        model.spec.input.encoder.type === "constant" && !policy
          ? undefined
          : encoderForModel(model.spec);
      for (const [k, input] of inputs.entries()) {
        let scores: Float64Array;
        let ticks: number;
        if (policy) {
          ({ scores, ticks } = presentWithEarlyExit(net, input.values, T, encoder!, policy));
        } else {
          ({ scores } = net.run(input.values, T, encoder));
          ticks = T;
        }
        const counters = net.counters();
        let best = 0;
        for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
        const result = {
          input: k,
          file: input.file,
          sample: input.sample,
          readout: model.spec.readout.type,
          scores: Array.from(scores),
          class: model.labels[best],
          classIndex: best,
          ticks,
          counters,
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          const t = counters.total;
          process.stdout.write(
            `#${k} class ${result.class}  ${model.spec.readout.type} [${result.scores.map((x) => +x.toFixed(4)).join(" ")}]  ticks ${ticks}  spikes ${t.spikes}  synops ${t.synapticOps}  neuron updates ${t.neuronUpdates}  ANN MACs ${t.annMacs}\n`,
          );
        }
      }
    };
  },
};
