import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const sampleBagCommand: CommandModule = {
  name: "sample-bag",
  summary:
    "Record dataset test images as a camera stream in a rosbag2 MCAP bag (with a labels file), to replay.",
  configure(command: Command) {
    command
      .requiredOption("--out <path>", "output bag directory (or a file ending in .mcap)")
      .option("--dataset <name>", "fashion-mnist | mnist", "fashion-mnist")
      .option(
        "--data-dir <dir>",
        "directory with the dataset's IDX files (default: Debian's dataset-fashion-mnist)",
      )
      .option("--count <n>", "frames (the first n test images)", "90")
      .option("--fps <hz>", "frame rate of the stamps", "30")
      .option("--width <px>", "frame width", "640")
      .option("--height <px>", "frame height", "480")
      .option("--encoding <enc>", "rgb8 | mono8 | jpeg (sensor_msgs/CompressedImage)", "rgb8")
      .option("--compression <c>", "MCAP chunk compression: zstd | lz4 | none", "zstd")
      .option("--force", "replace an existing output bag", false);
  },
  async load() {
    return async (command: Command) => {
      const opts = command.opts<{
        out: string;
        dataset: string;
        dataDir?: string;
        count: string;
        fps: string;
        width: string;
        height: string;
        encoding: string;
        compression: string;
        force: boolean;
      }>();
      const { UserError } = await import("../fatal.js");
      const positive = (name: string, value: string, integer: boolean): number => {
        const n = Number(value);
        if (!(n > 0) || (integer && !Number.isInteger(n))) {
          throw new UserError(
            `--${name} ${value}: give a positive ${integer ? "whole " : ""}number`,
          );
        }
        return n;
      };
      const count = positive("count", opts.count, true);
      const fps = positive("fps", opts.fps, false);
      const width = positive("width", opts.width, true);
      const height = positive("height", opts.height, true);
      if (!["rgb8", "mono8", "jpeg"].includes(opts.encoding)) {
        throw new UserError(`--encoding ${opts.encoding}: use rgb8, mono8 or jpeg`);
      }
      if (!["zstd", "lz4", "none"].includes(opts.compression)) {
        throw new UserError(`--compression ${opts.compression}: use zstd, lz4 or none`);
      }
      if (opts.dataset !== "fashion-mnist" && opts.dataset !== "mnist") {
        throw new UserError(
          `--dataset ${opts.dataset}: use fashion-mnist or mnist (grayscale test images)`,
        );
      }
      const { loadDataset } = await import("../../train/datasets/index.js");
      const set = loadDataset(opts.dataset, "test", opts.dataDir);
      const [, h, w] = set.shape;
      if (height < h || width < w) {
        throw new UserError(
          `--width ${width} --height ${height}: the frame must be at least the ${w}×${h} images`,
        );
      }
      const { writeCameraSample } = await import("../../bag/camera-sample.js");
      const encodeJpeg = async (rgb: Uint8Array, fw: number, fh: number): Promise<Uint8Array> => {
        const sharp = (await import("sharp")).default;
        const jpeg = await sharp(rgb, { raw: { width: fw, height: fh, channels: 3 } })
          .jpeg({ quality: 90 })
          .toBuffer();
        return new Uint8Array(jpeg);
      };
      const result = await writeCameraSample(
        {
          name: set.name,
          count: set.count,
          width: w,
          height: h,
          pixels: set.pixels,
          labels: set.labels,
          classes: set.classes,
        },
        {
          out: opts.out,
          count,
          fps,
          width,
          height,
          encoding: opts.encoding as "rgb8" | "mono8" | "jpeg",
          compression: opts.compression as "zstd" | "lz4" | "none",
          encodeJpeg,
          overwrite: opts.force,
        },
      );
      const { stat } = await import("node:fs/promises");
      const bytes = (await stat(result.bag.file)).size;
      process.stdout.write(
        `wrote ${result.bag.messageCount} frames of ${set.name} on ${result.topic} (${width}×${height} ${opts.encoding}, ` +
          `${fps} fps) to ${result.bag.file} (${(bytes / 1e6).toFixed(2)} MB)` +
          `${result.bag.metadataFile ? `, ${result.bag.metadataFile}` : ""}, labels in ${result.labelsFile}\n`,
      );
    };
  },
};
