import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const evalCommand: CommandModule = {
  name: "eval",
  summary:
    "Spiking accuracy of a model on a dataset (our engine, all cores), beside its rate-network accuracy (soft-LIF models).",
  configure(command: Command) {
    command
      .option("--model <dir>", "model directory (model.json + weights)")
      .option(
        "--dataset <name>",
        "fashion-mnist | mnist | cifar10 | moving-fashion-mnist (a stream model's per-frame and per-clip accuracy) | nmnist (an events-encoder model on N-MNIST recordings, --data)",
      )
      .option(
        "--data <path>",
        "nmnist: the N-MNIST folder (Test/<digit>/<id>.bin as it ships), a split or digit folder, or one .bin with --label",
      )
      .option("--label <digit>", "nmnist: the digit of a single .bin given as --data")
      .option("--split <split>", "test | train | validation (the images training held out)", "test")
      .option("--limit <n>", "only the first N images of the split (moving-fashion-mnist: clips)")
      .option(
        "--presentation <mode>",
        "moving-fashion-mnist: reset | continuous (default: the model's) | clip (diagnostic: cleared at each clip start, as one-clip training samples are)",
      )
      .option(
        "--timesteps <T>",
        "ticks per image (default: the model's presentation.timesteps; a rows/pixel_windows encoder fixes it)",
      )
      .option(
        "--synapses <list>",
        "comma-separated: model, none, lowpass:<tau s>, alpha:<tau s>",
        "model",
      )
      .option(
        "--initial-voltage <how>",
        "LIF layers' membrane at reset: model (as the model says) | zero | uniform (Nengo's default: U(0, v_th), fixed per neuron)",
        "model",
      )
      .option("--threads <n>", "worker threads (default: every core)")
      .option(
        "--data-dir <dir>",
        "dataset directory (Fashion-MNIST IDX files, CIFAR-10 binary batches)",
      )
      .option(
        "--plot <file.svg>",
        "write accuracy against timesteps per synapse as SVG (and PNG beside it; frame encoders only); nmnist: the confusion matrix as SVG",
      )
      .option(
        "--power-profile <list>",
        "comma-separated hardware profiles for the energy per image (default: every built-in; see src/power/README.md)",
      )
      .option(
        "--framing <how>",
        "native (the dataset's images) | camera (each image placed on a 640x480 frame, filling 70-100 % of the centre crop, off-centre, sensor noise, through the node's preprocessing) | camera-jpegQ (the same as JPEG of quality Q, e.g. camera-jpeg75)",
        "native",
      )
      .option("--out <file.json>", "also write the JSON report to this file")
      .option(
        "--record <key>",
        "store the measured accuracies in the model's provenance.accuracy under <key>",
      )
      .option(
        "--report <file.json>",
        "print/plot a saved report (from --out) instead of evaluating; with --model, its energy is recomputed from the saved counts",
      )
      .option("--json", "print the JSON report instead of a summary", false)
      .option("--no-progress", "no progress bar or progress lines")
      .option(
        "--progress-seconds <s>",
        "when not on a terminal, print a progress line on stderr this often",
        "30",
      );
  },
  async load() {
    return async (command: Command) => {
      if (command.opts<{ dataset?: string }>().dataset === "nmnist") {
        const { runNmnistEval } = await import("../eval-nmnist.js");
        return runNmnistEval(command);
      }
      const { runEval } = await import("../../train/cli-eval.js");
      return runEval(command);
    };
  },
};
