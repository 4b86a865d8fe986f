import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const importNirCommand: CommandModule = {
  name: "import-nir",
  summary: "Convert a NIR file (snnTorch, Norse, Sinabs, Rockpool, …) into a model directory.",
  configure(command: Command) {
    command
      .argument("<file.nir>", "NIR graph (HDF5, as nir.write saves it)")
      .requiredOption("--out <dir>", "model directory to write (model.json + weights.bin)")
      .option("--dt <s>", "simulation step in seconds; NIR stores none (default 1e-4)")
      .option("--timesteps <T>", "default sequence length, presentation.timesteps (default 100)")
      .option(
        "--input-shape <C,H,W>",
        "a flat input's image shape (e.g. 1,28,28 for an MLP on flattened 28x28 images), so camera frames can feed it",
      )
      .option("--json", "print a JSON summary", false)
      .addHelpText(
        "after",
        [
          "",
          "Node types: Input, Output, Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d,",
          "Flatten, Threshold, I, IF, LI, LIF, CubaLI, CubaLIF, and NIRGraph sub-graphs; Delay is refused.",
          "Example:",
          "  spikenode import-nir cnn_sinabs.nir --out models/nmnist-nir --dt 1e-4",
        ].join("\n"),
      );
  },
  async load() {
    return async (_command: Command, file: unknown, opts: unknown) => {
      const o = opts as {
        out: string;
        dt?: string;
        timesteps?: string;
        inputShape?: string;
        json: boolean;
      };
      const { mkdir, writeFile } = await import("node:fs/promises");
      const path = await import("node:path");
      const { dtOption } = await import("../model-source.js");
      const { timestepsOption } = await import("../options.js");
      const { importNirFile } = await import("../../nir/index.js");
      const dt = await dtOption(o.dt);
      const timesteps = timestepsOption(o.timesteps);
      let inputShape: [number, number, number] | undefined;
      if (o.inputShape !== undefined) {
        const xs = o.inputShape.split(",").map((x) => Number(x.trim()));
        if (xs.length !== 3 || xs.some((x) => !Number.isInteger(x) || x < 1)) {
          const { UserError } = await import("../fatal.js");
          throw new UserError(
            `--input-shape ${o.inputShape}: give three whole numbers C,H,W, e.g. 1,28,28`,
          );
        }
        inputShape = xs as [number, number, number];
      }
      const { spec, weights, model } = await importNirFile(String(file), {
        dt,
        timesteps,
        inputShape,
      });
      await mkdir(o.out, { recursive: true });
      await writeFile(path.join(o.out, "model.json"), `${JSON.stringify(spec, null, 2)}\n`);
      await writeFile(path.join(o.out, "weights.bin"), weights);
      const summary = {
        file: String(file),
        out: o.out,
        dt: model.spec.dt,
        input: model.inputShape,
        layers: model.layers.map((l) => `${l.spec.type} ${l.spec.name ?? ""} [${l.outShape}]`),
        readout: model.spec.readout.type,
      };
      if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(
          `${summary.file} → ${summary.out}: ${model.layers.length} layers, input [${summary.input.join(", ")}] per step, dt ${summary.dt} s, readout ${summary.readout}\n`,
        );
      }
    };
  },
};
