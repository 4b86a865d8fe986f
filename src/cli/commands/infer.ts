import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const inferCommand: CommandModule = {
  name: "infer",
  summary: "Run a model on raw float32 inputs and print spike counts, class and counters.",
  configure(command: Command) {
    command
      .requiredOption("--model <dir>", "model directory")
      .requiredOption(
        "--input <file.f32>",
        "N inputs in the model's input shape, float32 little-endian, pixels in [0, 1]",
      )
      .option("--engine <name>", "fast | reference", "fast")
      .option("--json", "print JSON lines, one per input", false);
  },
  async load() {
    return async (command: Command) => {
      const opts = command.opts<{ model: string; input: string; engine: string; json: boolean }>();
      const { readFile } = await import("node:fs/promises");
      const { UserError } = await import("../fatal.js");
      const { createNetwork, loadModel } = await import("../../snn/index.js");
      const { encoderForModel } = await import("../../encode/index.js");
      if (opts.engine !== "fast" && opts.engine !== "reference") {
        throw new UserError(`--engine ${opts.engine}: use "fast" or "reference"`);
      }
      const model = await loadModel(opts.model);
      let bytes: Buffer;
      try {
        bytes = await readFile(opts.input);
      } catch (err) {
        throw new UserError(`--input ${opts.input}: cannot be read (${(err as Error).message})`);
      }
      const per = model.inputSize * 4;
      if (bytes.byteLength === 0 || bytes.byteLength % per !== 0) {
        throw new UserError(
          `--input ${opts.input}: ${bytes.byteLength} bytes is not a whole number of inputs of shape [${model.inputShape.join(", ")}] (${per} bytes each, float32 little-endian)`,
        );
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const net = createNetwork(model, { engine: opts.engine });
      const encoder =
        model.spec.input.encoder.type === "constant" ? undefined : encoderForModel(model.spec);
      const frame = new Float32Array(model.inputSize);
      const n = bytes.byteLength / per;
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < frame.length; i++) frame[i] = view.getFloat32(k * per + i * 4, true);
        const { scores, counters } = net.run(frame, undefined, encoder);
        let best = 0;
        for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
        const result = {
          input: k,
          readout: model.spec.readout.type,
          scores: Array.from(scores),
          class: model.labels[best],
          classIndex: best,
          counters,
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          const t = counters.total;
          process.stdout.write(
            `#${k} class ${result.class}  ${model.spec.readout.type} [${result.scores.map((x) => +x.toFixed(4)).join(" ")}]  spikes ${t.spikes}  synops ${t.synapticOps}  neuron updates ${t.neuronUpdates}  ANN MACs ${t.annMacs}\n`,
          );
        }
      }
    };
  },
};
