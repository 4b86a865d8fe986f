import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const trainCommand: CommandModule = {
  name: "train",
  summary: "Train a soft-LIF network (TensorFlow.js) and export it as a spiking model.",
  configure(command: Command) {
    command
      .requiredOption(
        "--config <file>",
        "training config (YAML or JSON), e.g. models/configs/fashion-mnist-lif.yaml",
      )
      .requiredOption("--out <dir>", "model directory; checkpoints go to <dir>/checkpoint")
      .option("--resume", "continue from <dir>/checkpoint (its config wins over --config)", false)
      .option(
        "--init-from <dir>",
        "fine-tune: start from the parameters of this model directory's checkpoint (same architecture); optimiser, schedule and data split start fresh",
      )
      .option("--threads <n>", "worker threads computing gradients in parallel", "1")
      .option("--backend <name>", "auto | tensorflow | wasm | cpu", "auto")
      .option(
        "--data-dir <dir>",
        "dataset directory (Fashion-MNIST IDX files, CIFAR-10 binary batches)",
      )
      .option("--max-batches <n>", "stop (resumably) after this many batches, e.g. to time a run")
      .option("--no-export", "do not export the model when training finishes")
      .option(
        "--export-only",
        "export the checkpoint in <dir>/checkpoint as it stands (e.g. mid-run), no training",
        false,
      )
      .option("--no-progress", "log lines only, no progress bar")
      .option("--progress-seconds <s>", "when not on a terminal, print progress this often", "60");
  },
  async load() {
    const { runTrain } = await import("../../train/cli-train.js");
    return runTrain;
  },
};
