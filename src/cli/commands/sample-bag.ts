import type { Command } from "commander";
import type { CommandModule } from "./index.js";

export const sampleBagCommand: CommandModule = {
  name: "sample-bag",
  summary:
    "Record dataset test images (or moving-item clips) as a camera stream in a rosbag2 MCAP bag (with a labels file), to replay.",
  configure(command: Command) {
    command
      .requiredOption("--out <path>", "output bag directory (or a file ending in .mcap)")
      .option(
        "--task <task>",
        "classes: one test image per frame, labelled by class | moving: clips of a test item moving left, right, up or down, labelled by direction",
        "classes",
      )
      .option(
        "--clips <n>",
        "moving: the first n clips (9 frames each) of the 1000-clip moving-fashion-mnist test set",
        "120",
      )
      .option(
        "--scale <k>",
        "moving: each canvas pixel becomes a k × k block of the mono8 frame",
        "3",
      )
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
      .option(
        "--events",
        "moving: record an event camera instead (event_camera_msgs/msg/EventPacket, evt3, 1 kHz packets): the moving-fashion delta encoder's events of each 32×32 frame, frames 4 ms of sensor time apart (the model's 4 ticks of 1 ms; --fps changes it)",
        false,
      )
      .option("--compression <c>", "MCAP chunk compression: zstd | lz4 | none", "zstd")
      .option("--force", "replace an existing output bag", false);
  },
  async load() {
    return async (command: Command) => {
      const opts = command.opts<{
        out: string;
        task: string;
        clips: string;
        scale: string;
        dataset: string;
        dataDir?: string;
        count: string;
        fps: string;
        width: string;
        height: string;
        encoding: string;
        compression: string;
        force: boolean;
        events: boolean;
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
      const fps = positive("fps", opts.fps, false);
      if (
        opts.compression !== "zstd" &&
        opts.compression !== "lz4" &&
        opts.compression !== "none"
      ) {
        throw new UserError(`--compression ${opts.compression}: use zstd, lz4 or none`);
      }
      if (opts.task === "moving") {
        const notHere = ["dataset", "count", "width", "height", "encoding"].filter(
          (name) => command.getOptionValueSource(name) === "cli",
        );
        if (notHere.length > 0) {
          throw new UserError(
            `--${notHere[0]} does not apply to --task moving (mono8 frames of the 32×32 canvas, enlarged by --scale)`,
          );
        }
        const clips = positive("clips", opts.clips, true);
        const scale = positive("scale", opts.scale, true);
        const { loadMovingFashion, movingFrameStream } =
          await import("../../train/datasets/moving-events.js");
        const { writeUpscaledSample } = await import("../../bag/camera-sample.js");
        // The first clips of the 1000-clip test set that models are evaluated on.
        const test = loadMovingFashion("test", {}, opts.dataDir);
        if (clips > test.count) {
          throw new UserError(`--clips ${clips}: the test set has ${test.count} clips`);
        }
        const stream = movingFrameStream(test, clips);
        if (opts.events) {
          if (command.getOptionValueSource("scale") === "cli") {
            throw new UserError(
              "--scale does not apply to --events: the sensor is the 32×32 canvas, one sensor pixel per input pixel",
            );
          }
          const { MOVING_EVENT_DEFAULTS } = await import("../../train/datasets/moving-events.js");
          const { writeEventSample } = await import("../event-sample.js");
          const ms = MOVING_EVENT_DEFAULTS.ticksPerFrame * MOVING_EVENT_DEFAULTS.dt;
          const periodUs =
            command.getOptionValueSource("fps") === "cli" ? 1e6 / fps : Math.round(ms * 1e6);
          if (!Number.isInteger(periodUs)) {
            throw new UserError(
              `--fps ${opts.fps}: with --events a frame must last a whole number of µs (e.g. --fps 250 for 4000 µs)`,
            );
          }
          const result = await writeEventSample(stream, {
            out: opts.out,
            encoder: MOVING_EVENT_DEFAULTS.encoder,
            periodUs,
            compression: opts.compression,
            overwrite: opts.force,
          });
          const { stat } = await import("node:fs/promises");
          const bytes = (await stat(result.bag.file)).size;
          process.stdout.write(
            `wrote ${clips} clips (${stream.count} frames, ${result.events} events in ${result.packets} evt3 packets) of ${stream.name} on ${result.topic} ` +
              `(${stream.width}×${stream.height} sensor, frames ${periodUs} µs apart) to ${result.bag.file} (${(bytes / 1e6).toFixed(2)} MB)` +
              `${result.bag.metadataFile ? `, ${result.bag.metadataFile}` : ""}, labels in ${result.labelsFile} (one per ${periodUs / 1000} ms window)\n`,
          );
          return;
        }
        const result = await writeUpscaledSample(stream, {
          out: opts.out,
          scale,
          fps,
          compression: opts.compression,
          overwrite: opts.force,
        });
        const { stat } = await import("node:fs/promises");
        const bytes = (await stat(result.bag.file)).size;
        const side = stream.width * scale;
        process.stdout.write(
          `wrote ${clips} clips (${result.bag.messageCount} frames) of ${stream.name} on ${result.topic} ` +
            `(${side}×${side} mono8, ${fps} fps) to ${result.bag.file} (${(bytes / 1e6).toFixed(2)} MB)` +
            `${result.bag.metadataFile ? `, ${result.bag.metadataFile}` : ""}, labels in ${result.labelsFile}\n`,
        );
        return;
      }
      if (opts.events) {
        throw new UserError("--events records --task moving only (the delta encoder needs motion)");
      }
      if (opts.task !== "classes") {
        throw new UserError(`--task ${opts.task}: use classes or moving`);
      }
      const count = positive("count", opts.count, true);
      const width = positive("width", opts.width, true);
      const height = positive("height", opts.height, true);
      if (!["rgb8", "mono8", "jpeg"].includes(opts.encoding)) {
        throw new UserError(`--encoding ${opts.encoding}: use rgb8, mono8 or jpeg`);
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
