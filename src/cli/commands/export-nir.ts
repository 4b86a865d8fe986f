import type { Command } from "commander";
import type { CommandModule } from "./index.js";

interface ExportNirOptions {
  out: string;
  dt?: string;
  approximate: boolean;
  checkDataset?: string;
  checkInput?: string;
  limit: string;
  dataDir?: string;
  json: boolean;
}

export const exportNirCommand: CommandModule = {
  name: "export-nir",
  summary:
    "Write a model as a NIR file (exactly, or with --approximate the nearest NIR nodes, checked on images).",
  configure(command: Command) {
    command
      .argument("<model-dir>", "model directory (or a .nir file, re-exported)")
      .requiredOption("--out <file.nir>", "NIR file to write (HDF5)")
      .option(
        "--dt <s>",
        "the step to export at, in seconds: a .nir model's (default 1e-4), or a model directory run at another dt than its own (snnTorch's importer assumes 1e-4)",
      )
      .option(
        "--approximate",
        "write Nengo LIF, leaky integrators and lowpass/alpha synapses as the nearest NIR nodes at the model's dt (src/nir/README.md) instead of refusing",
        false,
      )
      .option(
        "--check-dataset <name>",
        "with --approximate: run the model and the written file side by side on this dataset's test images (fashion-mnist | mnist | cifar10) and report accuracy and spikes",
      )
      .option(
        "--check-input <X.f32>",
        "with --approximate: the same on your images, float32 [N, C, H, W] in the model's input range",
      )
      .option("--limit <n>", "images of the check", "100")
      .option("--data-dir <dir>", "dataset directory for --check-dataset")
      .option("--json", "print the export (and check) as one JSON object", false)
      .addHelpText(
        "after",
        [
          "",
          "NIR kinds (nir_lif, nir_cuba_lif, nir_li, nir_cuba_li, nir_i, if, threshold, linear) export exactly;",
          "Nengo LIF, leaky integrators and synaptic filters are refused with the reason unless --approximate;",
          "ALIF and recurrent_dense are refused. An approximated file is right at the model's dt only:",
          "run it with --dt equal to it (e.g. spikenode replay BAG --model net.nir --dt 0.001 --timesteps 200).",
          "",
          "Example:",
          "  spikenode export-nir models/mnist-lif --out mnist-lif.nir --approximate --check-dataset mnist --limit 200",
        ].join("\n"),
      );
  },
  async load() {
    return async (_command: Command, dir: unknown, opts: unknown) => {
      const o = opts as ExportNirOptions;
      const { UserError } = await import("../fatal.js");
      const { loadModelFrom, dtOption } = await import("../model-source.js");
      const { writeNir, importNirFile } = await import("../../nir/index.js");
      if ((o.checkDataset !== undefined || o.checkInput !== undefined) && !o.approximate) {
        throw new UserError(
          "--check-dataset/--check-input compare an approximation with its model; add --approximate (an exact export has nothing to compare)",
        );
      }
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UserError(`--limit ${o.limit}: give a whole number of images >= 1`);
      const dt = await dtOption(o.dt);
      let model = await loadModelFrom(String(dir), { dt });
      if (dt !== undefined && dt !== model.spec.dt) {
        // A model directory exported at another dt (e.g. 1e-4, which snnTorch's importer
        // assumes): the approximation's τ* and spike heights are computed at it, and the check
        // runs our model at it too.
        const { parseModel } = await import("../../snn/index.js");
        const w = model.weights;
        model = parseModel(
          { ...model.spec, dt },
          new Uint8Array(w.buffer, w.byteOffset, w.byteLength),
          model.source,
        );
      }
      const r = await writeNir(model, o.out, { approximate: o.approximate });
      const report: Record<string, unknown> = {
        model: model.source,
        out: o.out,
        nodes: r.nodes,
        edges: r.edges,
        approximations: r.approximations,
      };
      if (!o.json) {
        process.stdout.write(
          `${model.source} → ${o.out}: ${r.nodes} NIR nodes, ${r.edges} edges\n`,
        );
        for (const a of r.approximations)
          process.stdout.write(`  ${a.layer} approximated: ${a.changes.join("; ")}\n`);
        if (r.approximations.length > 0)
          process.stdout.write(
            `  run it at dt ${model.spec.dt} s (--dt ${model.spec.dt}) and ${model.spec.presentation.timesteps} steps per image: NIR stores neither\n`,
          );
      }
      const images =
        o.checkDataset !== undefined
          ? await datasetImages(model, o.checkDataset, limit, o.dataDir)
          : o.checkInput !== undefined
            ? await fileImages(model, o.checkInput, limit)
            : undefined;
      if (images) {
        const { asRunAlongside, compareApproximation, formatApproximationReport } =
          await import("../nir-approx-check.js");
        const imported = await importNirFile(o.out, { dt: model.spec.dt });
        const check = compareApproximation(model, asRunAlongside(model, imported), images);
        report.check = check;
        if (!o.json) process.stdout.write(`${formatApproximationReport(check)}\n`);
      }
      if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    };
  },
};

async function datasetImages(
  model: import("../../snn/index.js").Model,
  name: string,
  limit: number,
  dataDir?: string,
) {
  const { UserError } = await import("../fatal.js");
  if (!["fashion-mnist", "mnist", "cifar10"].includes(name))
    throw new UserError(`--check-dataset ${name}: use fashion-mnist, mnist or cifar10`);
  const { loadDataset } = await import("../../train/datasets/index.js");
  const { modelInputs } = await import("../../train/evaluate.js");
  const set = loadDataset(name as "fashion-mnist" | "mnist" | "cifar10", "test", dataDir);
  const { pixels, labels, count } = modelInputs(set, model, limit);
  return {
    source: `${name} test, first ${count}`,
    images: pixels,
    count,
    labels,
  };
}

async function fileImages(model: import("../../snn/index.js").Model, file: string, limit: number) {
  const { UserError } = await import("../fatal.js");
  const { readFile } = await import("node:fs/promises");
  const bytes = await readFile(file).catch((err: Error) => {
    throw new UserError(`--check-input ${file}: cannot read it (${err.message})`);
  });
  const size = model.inputSize;
  if (bytes.byteLength === 0 || bytes.byteLength % (4 * size) !== 0) {
    throw new UserError(
      `--check-input ${file}: ${bytes.byteLength} bytes is not a whole number of float32 images of [${model.inputShape.join(", ")}] (${4 * size} bytes each); write float32 [N, C, H, W]`,
    );
  }
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const count = Math.min(limit, all.length / size);
  return { source: `${file}, first ${count}`, images: all.slice(0, count * size), count };
}
