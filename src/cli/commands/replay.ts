import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import type { ReplayFrame, ReplayOptions, ReplaySummary } from "../../bag/replay/index.js";
import type { CommandModule } from "./index.js";

/** The package root (this file is src/cli/commands/replay.ts, or dist/cli/commands/replay.js). */
const PACKAGE_ROOT = new URL("../../../", import.meta.url);

/** The model replays use unless told otherwise; SPIKENODE_MODEL names another model directory. */
export function defaultModelPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SPIKENODE_MODEL || fileURLToPath(new URL("models/fashion-mnist-lif", PACKAGE_ROOT));
}

/** The sample bag shipped beside the default model (what `npm start` replays without ROS 2). */
export const SAMPLE_BAG = fileURLToPath(new URL("samples/fashion-mnist-camera", PACKAGE_ROOT));

interface ReplayCliOptions {
  topic?: string;
  model?: string;
  out?: string;
  force: boolean;
  rate?: string;
  limit?: string;
  presentation?: string;
  topK?: string;
  powerProfile?: string;
  labels?: string;
  timesteps?: string;
  earlyExit?: string;
  results?: string;
  plot?: string;
  compression: string;
  json: boolean;
  progress: boolean;
  windowMs?: string;
  dt?: string;
  encoder?: string;
  roi?: string;
  downsample?: string;
}

/** Exit code of a replay whose bag could not be read in full (2: nothing could be replayed). */
export const DAMAGED_BAG_EXIT = 3;

export const replayCommand: CommandModule = {
  name: "replay",
  summary:
    "Classify every image of a rosbag2 bag (MCAP or sqlite3) and write the results into an output bag.",
  configure(command: Command) {
    command
      .argument("<bag>", "a .mcap or .db3 file, or a rosbag2 bag directory")
      .option("--topic <name>", "the image topic (needed when the bag has several)")
      .option(
        "--model <dir|file.nir>",
        "model directory, or a NIR file (default: the shipped models/fashion-mnist-lif, or $SPIKENODE_MODEL)",
      )
      .option(
        "--dt <s>",
        "simulation step in seconds (a .nir model: the step NIR leaves open, default 1e-4; a model directory: its dt)",
      )
      .option(
        "--encoder <spec>",
        'frames into the network, as the node\'s encoder parameter: constant, poisson, delta or JSON such as {"type":"poisson","max_rate":200} (default: the model\'s; a .nir model: constant, the pixels as a current every step)',
      )
      .option(
        "--out <path>",
        "output bag directory (or a file ending in .mcap); default out/<bag>_spikenode_<time>",
      )
      .option("--force", "replace an existing output bag (and --results file)", false)
      .option(
        "--rate <factor>",
        "pace at this many times the recorded speed (default: as fast as possible)",
      )
      .option("--limit <n>", "replay only the first n images")
      .option("--timesteps <T>", "ticks per frame (default: the model's presentation.timesteps)")
      .option(
        "--early-exit <margin:hold[:min]>",
        "stop a frame once the winner leads the runner-up by margin (spikes) for hold ticks, never before min ticks, e.g. 1:10 (default: off)",
      )
      .option(
        "--results <file>",
        "write one line per frame (stamp, class, confidence, scores, ticks, energy, latency): CSV for a name ending .csv, else JSON Lines",
      )
      .option(
        "--plot <file.svg>",
        "draw the confusion matrix as SVG (needs true classes: a labels file beside the bag, or --labels)",
      )
      .option(
        "--presentation <mode>",
        "reset (clear the network every frame) | continuous (carry state across frames); default: the model's",
      )
      .option("--top-k <k>", "hypotheses per vision_msgs/Classification (default: every class)")
      .option("--power-profile <name>", "hardware profile of the energy estimate")
      .option(
        "--labels <file>",
        "true classes ({ topic, labels: [...] }); default <bag>.labels.json or labels.json beside the bag",
      )
      .option(
        "--window-ms <ms>",
        "event topics: sensor time per classification (default: the model's timesteps x dt)",
      )
      .option(
        "--roi <x,y,width,height>",
        "event topics: sensor pixels read (default: the model's, else centred on the sensor)",
      )
      .option(
        "--downsample <n>",
        "event topics: sensor pixels per input pixel along each side (default: the model's)",
      )
      .option("--compression <c>", "output chunk compression: zstd | lz4 | none", "zstd")
      .option("--json", "print the summary as one JSON object on stdout", false)
      .option("--no-progress", "no progress bar or per-frame lines")
      .addHelpText(
        "after",
        [
          "",
          "Writes the image topic and, stamped with each image's header, /spikenode/classification",
          "(vision_msgs/msg/Classification), /spikenode/spike_classification, /spikenode/power and once",
          "/spikenode/label_info. Exit 0 when the bag was read (bad frames are counted); 2 when it cannot be.",
          "An event-camera topic (event_camera_msgs/msg/EventPacket) is classified per window of sensor",
          "time (--window-ms), each window's results stamped with its end.",
          "",
          "Examples:",
          "  spikenode replay samples/fashion-mnist-camera",
          "  spikenode replay recording.db3 --topic /camera/image_raw/compressed --rate 1 --out out/run1",
          "  spikenode replay recording/ --model models/mnist-lif --limit 100 --json",
          "  spikenode replay samples/fashion-mnist-camera --timesteps 100 --early-exit 1:10 --results out/frames.csv --plot out/confusion.svg",
          "  spikenode replay samples/moving-fashion-camera --model models/moving-fashion-srnn",
          "  spikenode replay samples/fashion-mnist-camera --model net.nir --dt 1e-3 --timesteps 200   (a NIR graph, e.g. snnTorch's export_to_nir)",
          "  spikenode replay out/moving-events --model models/moving-fashion-srnn   (sample-bag --task moving --events)",
        ].join("\n"),
      );
  },
  async load() {
    return async (command: Command, bag: unknown) => {
      const o = command.opts<ReplayCliOptions>();
      const { UserError } = await import("../fatal.js");
      const { timestepsOption, earlyExitOption } = await import("../options.js");
      const { CHUNK_COMPRESSIONS } = await import("../../bag/index.js");
      if (!(CHUNK_COMPRESSIONS as readonly string[]).includes(o.compression)) {
        throw new UserError(`--compression ${o.compression}: use zstd, lz4 or none`);
      }
      const number = (name: string, v: string | undefined): number | undefined => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (v.trim() === "" || Number.isNaN(n))
          throw new UserError(`--${name} ${v}: give a number`);
        return n;
      };
      const events: NonNullable<NonNullable<ReplayOptions["pipeline"]>["events"]> = {};
      const windowMs = number("window-ms", o.windowMs);
      if (windowMs !== undefined) {
        if (!(windowMs > 0))
          throw new UserError(`--window-ms ${o.windowMs}: give a positive number of ms`);
        events.windowMs = windowMs;
      }
      if (o.roi !== undefined) {
        const { parseRoi } = await import("../../ros/parameters.js");
        const roi = parseRoi(o.roi);
        if (typeof roi === "string") throw new UserError(`--roi: ${roi}`);
        events.roi = roi;
      }
      const downsample = number("downsample", o.downsample);
      if (downsample !== undefined) {
        if (!(Number.isInteger(downsample) && downsample >= 1))
          throw new UserError(`--downsample ${o.downsample}: give a whole number >= 1`);
        events.downsample = downsample;
      }
      const pipeline: NonNullable<ReplayOptions["pipeline"]> = {};
      if (Object.keys(events).length > 0) pipeline.events = events;
      const { dtOption } = await import("../model-source.js");
      const dt = await dtOption(o.dt);
      if (dt !== undefined) pipeline.dt = dt;
      if (o.encoder !== undefined) {
        const { parseEncoderParam } = await import("../../ros/encoder-param.js");
        const parsed = parseEncoderParam(o.encoder);
        if (typeof parsed === "string") throw new UserError(`--encoder: ${parsed}`);
        if (parsed.encoder !== undefined) pipeline.encoder = parsed.encoder;
      }
      const summary = await runReplay(
        {
          bag: String(bag),
          model: o.model ?? defaultModelPath(),
          topic: o.topic,
          out: o.out,
          overwrite: o.force,
          rate: number("rate", o.rate),
          limit: number("limit", o.limit),
          timesteps: timestepsOption(o.timesteps),
          earlyExit: earlyExitOption(o.earlyExit),
          presentation: o.presentation as ReplayOptions["presentation"],
          topK: number("top-k", o.topK),
          powerProfile: o.powerProfile,
          labels: o.labels,
          compression: o.compression as ReplayOptions["compression"],
          ...(Object.keys(pipeline).length > 0 ? { pipeline } : {}),
        },
        {
          json: o.json,
          progress: o.progress ? "auto" : "none",
          results: o.results,
          plot: o.plot,
          overwrite: o.force,
        },
      );
      // A bag read only in part is a failed replay for a script (the summary says what was lost).
      if (summary.damaged) {
        const { damageLine } = await import("../../bag/replay/damage.js");
        process.stderr.write(
          `spikenode: ${damageLine(summary, summary.topic, summary.expectedFrames)} (exit ${DAMAGED_BAG_EXIT})\n`,
        );
        process.exitCode = DAMAGED_BAG_EXIT;
      }
    };
  },
};

export interface ReplayPresentation {
  /** Summary as one JSON object on stdout instead of text. */
  json: boolean;
  /**
   * "auto": a progress bar on stderr when it is a terminal, else a line per frame on stderr;
   * "lines": a line per frame on stdout (the embedded default shows every classification);
   * "none": nothing until the summary.
   */
  progress: "auto" | "lines" | "none";
  /** Write a line per frame here (src/bag/replay/results-file.ts). */
  results?: string;
  /** Draw the confusion matrix here as SVG (when the frames have true classes). */
  plot?: string;
  /** Replace an existing results file. */
  overwrite?: boolean;
}

/**
 * Runs a replay with progress and the summary on the console. Ctrl-C stops reading: the frames
 * already accepted are finished and the output bag is closed properly.
 */
export async function runReplay(
  options: ReplayOptions,
  show: ReplayPresentation,
): Promise<ReplaySummary> {
  const [
    { replayBag },
    { formatFrameLine, formatSummary, si, energyUnits },
    { ResultsWriter },
    cliProgress,
  ] = await Promise.all([
    import("../../bag/replay/index.js"),
    import("../../bag/replay/format.js"),
    import("../../bag/replay/results-file.js"),
    import("cli-progress"),
  ]);
  if (show.plot !== undefined && !/\.svg$/i.test(show.plot)) {
    const { UserError } = await import("../fatal.js");
    throw new UserError(`--plot ${show.plot}: name an .svg file`);
  }
  const results = show.results ? await ResultsWriter.open(show.results, show.overwrite) : undefined;
  const useBar = show.progress === "auto" && process.stderr.isTTY === true;
  const bar = useBar
    ? new cliProgress.default.SingleBar(
        {
          format: "replay [{bar}] {value}/{total} | {fps} frames/s | {last} | ETA {eta_formatted}",
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.default.Presets.legacy,
      )
    : undefined;
  let labels: readonly string[] = [];
  let done = 0;
  let started = 0;
  const line = (text: string) =>
    show.progress === "lines"
      ? process.stdout.write(`${text}\n`)
      : process.stderr.write(`${text}\n`);

  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write(
      "\nspikenode: stopping: finishing the frames already read (Ctrl-C again to quit now)\n",
    );
    abort.abort();
    process.off("SIGINT", onSigint);
  };
  process.on("SIGINT", onSigint);

  let summary: ReplaySummary;
  try {
    summary = await replayBag({
      ...options,
      signal: abort.signal,
      onStart: (s) => {
        labels = s.model.labels;
        results?.begin(s.model.labels);
        started = performance.now();
        const what = `replaying ${s.frames} frames of ${s.topic} (${s.type}) from ${s.bag} with ${s.model.modelName} into ${s.output}`;
        if (show.progress === "lines" || (show.progress === "auto" && !useBar)) line(what);
        bar?.start(s.frames, 0, { fps: "-", last: "-" });
      },
      onFrame: (f: ReplayFrame) => {
        done += 1;
        results?.write(f);
        if (bar) {
          const r = f.result;
          const last = r
            ? `${r.className} ${(100 * r.confidence).toFixed(0)}% ${si(r.energy.energyPerFrame, energyUnits(r.energy.unit).energy)}`
            : `error ${f.error?.reason ?? "unfinished"}`;
          const secs = (performance.now() - started) / 1000;
          bar.update(done, { fps: secs > 0 ? (done / secs).toFixed(1) : "-", last });
        } else if (show.progress !== "none") {
          line(formatFrameLine(f, labels));
        }
      },
    });
  } catch (err) {
    // Nothing was replayed: leave no empty results file behind.
    if (results) {
      await results.close().catch(() => undefined);
      const { rm } = await import("node:fs/promises");
      await rm(results.file, { force: true });
    }
    throw err;
  } finally {
    bar?.stop();
    process.off("SIGINT", onSigint);
  }
  await results?.close();
  const wrote: string[] = [];
  if (results) wrote.push(`wrote ${results.lines} frame lines to ${results.file}`);
  if (show.plot !== undefined) wrote.push(await writeConfusionPlot(summary, show.plot));
  if (show.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${[formatSummary(summary), ...wrote].join("\n")}\n`);
  if (show.json) {
    for (const w of [`wrote ${summary.output.file}`, ...wrote])
      process.stderr.write(`spikenode: ${w}\n`);
  }
  return summary;
}

/** `--plot`: the confusion matrix as SVG, or a note saying why there is none. */
async function writeConfusionPlot(summary: ReplaySummary, file: string): Promise<string> {
  if (!summary.accuracy) {
    return `note: no confusion matrix for --plot ${file}: the frames have no true classes (put a labels file beside the bag, or pass --labels FILE)`;
  }
  const [{ writeFile }, { confusionSvg }] = await Promise.all([
    import("node:fs/promises"),
    import("../confusion-svg.js"),
  ]);
  const a = summary.accuracy;
  const svg = confusionSvg({
    title: `${summary.model.name} on ${summary.topic}: ${(100 * a.accuracy).toFixed(1)} % of ${a.labelled} frames (${summary.model.timesteps} ticks${summary.earlyExit ? ", early exit" : ""})`,
    classes: summary.model.labels,
    confusion: a.confusion,
  });
  try {
    await writeFile(file, svg);
  } catch (err) {
    const { UserError } = await import("../fatal.js");
    throw new UserError(`--plot ${file} cannot be written: ${(err as Error).message}`);
  }
  return `wrote the confusion matrix to ${file}`;
}

/**
 * The embedded default (`spikenode run` / `npm start` without ROS 2): replays the shipped sample
 * bag with the default model, showing every classification and its power, and writes the output
 * bag under out/ in the working directory, keeping the last EMBEDDED_KEEP of its own there.
 */
export async function runEmbeddedDefault(
  options: Partial<ReplayOptions> = {},
): Promise<ReplaySummary> {
  const model = options.model ?? defaultModelPath();
  const { existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  if (!existsSync(/\.nir$/i.test(model) ? model : join(model, "model.json"))) {
    const { UserError } = await import("../fatal.js");
    throw new UserError(
      `the default model ${model} is not there (no model.json): train it with ` +
        "`spikenode train --config models/configs/fashion-mnist-lif.yaml --out models/fashion-mnist-lif`, " +
        "or set SPIKENODE_MODEL to a model directory",
    );
  }
  const summary = await runReplay(
    { bag: SAMPLE_BAG, ...options, model },
    { json: false, progress: "lines" },
  );
  if (options.out === undefined) {
    const removed = await pruneEmbeddedOutputs("out", EMBEDDED_KEEP);
    if (removed > 0) {
      process.stdout.write(
        `removed ${removed} older embedded-default output bag${removed === 1 ? "" : "s"} from out/ (the last ${EMBEDDED_KEEP} are kept)\n`,
      );
    }
  }
  return summary;
}

/** Output bags of the embedded default kept under out/: `npm start` must not fill the disk. */
export const EMBEDDED_KEEP = 3;

/**
 * Removes all but the newest `keep` output bags the embedded default wrote into `dir` (named
 * <sample>_spikenode_<local time>, which sorts by time). Only a directory holding nothing but
 * such a bag's own files (its .mcap and metadata.yaml) is removed, so a user's folder with the
 * same kind of name and anything else in it stays. Returns how many were removed.
 */
export async function pruneEmbeddedOutputs(dir: string, keep: number): Promise<number> {
  const { readdir, rm } = await import("node:fs/promises");
  const { basename, join } = await import("node:path");
  const sample = basename(SAMPLE_BAG);
  const pattern = new RegExp(`^${sample}_spikenode_\\d{4}_\\d\\d_\\d\\d-\\d\\d_\\d\\d_\\d\\d$`);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => pattern.test(n)).sort();
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.slice(0, Math.max(0, names.length - keep))) {
    const path = join(dir, name);
    let entries: string[];
    try {
      entries = await readdir(path);
    } catch {
      continue;
    }
    const own = new Set([`${name}_0.mcap`, "metadata.yaml"]);
    if (!entries.every((e) => own.has(e))) continue;
    await rm(path, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}
