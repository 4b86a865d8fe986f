/**
 * `npm run bench -- --readme`: measures every performance figure README.md states, in one run, one
 * command after another (never two at once), and prints one JSON object with the machine the
 * figures belong to read from the machine itself (CPU model and count from os.cpus(), memory,
 * Node, load average before and after). Each figure keeps the exact command that produced it and
 * that command's own JSON, so the README can quote them and a reader can rerun any one.
 *
 * Run it on a quiet machine: the load averages in the output say whether it was. `--long` adds
 * the 10 000-frame pipeline runs (about 6 more minutes each); `--quick` shortens everything (a
 * smoke test of this program, not figures to publish). Progress goes to stderr.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { machine } from "./measure.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST = join(ROOT, "dist");

interface Step {
  /** Where the figure is in README.md. */
  figure: string;
  /** The command as README.md names it (run here with node on the built dist/). */
  command: string;
  argv: string[];
}

function cli(...args: string[]): string[] {
  return [join(DIST, "cli/main.js"), ...args];
}

function steps(quick: boolean, long: boolean, scratch: string): Step[] {
  const frames = (n: number) => String(quick ? Math.min(n, 30) : n);
  const pipeline = (model: string, n: number, extra: string[] = []) =>
    cli(
      "bench",
      "--pipeline",
      "--model",
      join(ROOT, model),
      "--width",
      "640",
      "--height",
      "480",
      "--encoding",
      "rgb8",
      "--fps",
      "30",
      "--frames",
      frames(n),
      "--json",
      ...extra,
    );
  const list: Step[] = [
    {
      figure: "Performance: engine table (golden dense, conv, image stage)",
      command: "npm run bench",
      argv: [join(DIST, "bench/main.js"), ...(quick ? ["--quick"] : [])],
    },
    {
      figure: "Performance: pipeline with the shipped model, every tick",
      command:
        "spikenode bench --pipeline --model models/fashion-mnist-lif --width 640 --height 480 --encoding rgb8 --fps 30 --frames 600 --json",
      argv: pipeline("models/fashion-mnist-lif", 600),
    },
    {
      figure: "Performance: pipeline with the shipped model, early exit 1:10",
      command:
        "spikenode bench --pipeline --model models/fashion-mnist-lif --width 640 --height 480 --encoding rgb8 --fps 30 --frames 600 --json --early-exit 1:10",
      argv: pipeline("models/fashion-mnist-lif", 600, ["--early-exit", "1:10"]),
    },
    {
      figure: "Performance: early exit on the first 300 fixture images",
      command: "node dist/bench/early-exit.js --limit 300 --policies 1:10,0.5:10",
      argv: [
        join(DIST, "bench/early-exit.js"),
        "--limit",
        quick ? "20" : "300",
        "--policies",
        "1:10,0.5:10",
      ],
    },
    {
      figure: "Performance: pipeline with the golden dense network",
      command:
        "spikenode bench --pipeline --model test/fixtures/golden --width 640 --height 480 --encoding rgb8 --fps 30 --frames 1200 --json",
      argv: pipeline("test/fixtures/golden", 1200),
    },
    {
      figure: "Performance: replay of the 90-frame sample bag with the golden network",
      command:
        "spikenode replay samples/fashion-mnist-camera --model test/fixtures/golden --out <dir> --json --no-progress",
      argv: cli(
        "replay",
        join(ROOT, "samples/fashion-mnist-camera"),
        "--model",
        join(ROOT, "test/fixtures/golden"),
        "--out",
        join(scratch, "golden-replay"),
        "--json",
        "--no-progress",
      ),
    },
    {
      figure: "Performance: stream model replay of samples/moving-fashion-camera",
      command:
        "spikenode replay samples/moving-fashion-camera --model models/moving-fashion-srnn --out <dir> --json --no-progress",
      argv: cli(
        "replay",
        join(ROOT, "samples/moving-fashion-camera"),
        "--model",
        join(ROOT, "models/moving-fashion-srnn"),
        "--out",
        join(scratch, "moving-replay"),
        "--json",
        "--no-progress",
      ),
    },
    {
      figure: "Performance / event cameras: engine cost against event rate and sensor size",
      command: "npm run bench -- --event-engine",
      argv: [join(DIST, "bench/main.js"), "--event-engine", ...(quick ? ["--quick"] : [])],
    },
  ];
  if (long)
    list.push(
      {
        figure: "Performance: 10 000 frames with early exit, shipped model",
        command:
          "spikenode bench --pipeline --model models/fashion-mnist-lif … --frames 10000 --early-exit 1:10 --json",
        argv: pipeline("models/fashion-mnist-lif", 10_000, ["--early-exit", "1:10"]),
      },
      {
        figure: "Performance: 10 000 frames, golden dense network",
        command: "spikenode bench --pipeline --model test/fixtures/golden … --frames 10000 --json",
        argv: pipeline("test/fixtures/golden", 10_000),
      },
    );
  return list;
}

/** The last JSON object a command printed on stdout (some print a line or two before it). */
function lastJson(stdout: string): unknown {
  const start = stdout.indexOf("{");
  if (start < 0) return null;
  try {
    return JSON.parse(stdout.slice(start));
  } catch {
    return null;
  }
}

/** "model name" lines of /proc/cpuinfo (Linux), which some VMs fill better than os.cpus(). */
function procCpuModels(): string[] | null {
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    return [...new Set([...text.matchAll(/^model name\s*:\s*(.+)$/gm)].map((m) => m[1].trim()))];
  } catch {
    return null;
  }
}

function describeMachine() {
  const cpus = os.cpus();
  return {
    ...machine(),
    // Read from the machine, never typed: the README names what this says.
    cpuModels: [...new Set(cpus.map((c) => c.model))],
    procCpuinfoModels: procCpuModels(),
    cpuMHz: cpus[0]?.speed ?? null,
    totalMemoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()}`,
  };
}

export async function readmeBench(args: string[]): Promise<void> {
  const quick = args.includes("--quick");
  const long = args.includes("--long");
  const scratch = mkdtempSync(join(os.tmpdir(), "spikenode-readme-bench-"));
  const started = new Date().toISOString();
  const loadBefore = os.loadavg();
  const results = [];
  try {
    const list = steps(quick, long, scratch);
    for (const [i, step] of list.entries()) {
      process.stderr.write(`[${i + 1}/${list.length}] ${step.figure}: ${step.command}\n`);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, step.argv, {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 2 ** 20,
      });
      const seconds = (performance.now() - t0) / 1000;
      const output = r.status === 0 ? lastJson(r.stdout) : null;
      process.stderr.write(
        `      ${r.status === 0 ? "done" : `FAILED (exit ${r.status})`} in ${seconds.toFixed(1)} s\n`,
      );
      results.push({
        figure: step.figure,
        command: step.command,
        exitCode: r.status,
        seconds: Number(seconds.toFixed(2)),
        loadAverageAfter: os.loadavg().map((x) => Number(x.toFixed(2))),
        ...(output ? { output } : { stderr: r.stderr.slice(-2000) }),
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const report = {
    machine: describeMachine(),
    started,
    finished: new Date().toISOString(),
    loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
    loadAverageAfter: os.loadavg().map((x) => Number(x.toFixed(2))),
    quick,
    note:
      "one command at a time; README figures come from this run only. Not measured here: the " +
      "README's figures for other simulators (numpy, PyTorch, Nengo), which need those installed.",
    results,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (results.some((r) => r.exitCode !== 0)) process.exitCode = 1;
}
