import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const exportNirCommand: CommandModule = {
  name: "export-nir",
  summary: "Write a model as a NIR file (exactly, or refuse naming the layer NIR cannot express).",
  configure(command: Command) {
    command
      .argument("<model-dir>", "model directory (or a .nir file, re-exported)")
      .requiredOption("--out <file.nir>", "NIR file to write (HDF5)")
      .option("--dt <s>", "with a .nir model: the step NIR leaves open, in seconds (default 1e-4)")
      .addHelpText(
        "after",
        "\nNIR kinds (nir_lif, nir_cuba_lif, nir_li, nir_cuba_li, nir_i, if, threshold, linear) export exactly;\nNengo LIF, ALIF, leaky integrators, synaptic filters and recurrent_dense are refused with the reason.",
      );
  },
  async load() {
    return async (_command: Command, dir: unknown, opts: unknown) => {
      const o = opts as { out: string; dt?: string };
      const { loadModelFrom, dtOption } = await import("../model-source.js");
      const { writeNir } = await import("../../nir/index.js");
      const model = await loadModelFrom(String(dir), { dt: await dtOption(o.dt) });
      const r = await writeNir(model, o.out);
      process.stdout.write(`${model.source} → ${o.out}: ${r.nodes} NIR nodes, ${r.edges} edges\n`);
    };
  },
};
