#!/usr/bin/env node
// `npm start`: `spikenode run` from dist/, compiling src/ first only when dist/ is out of date
// (an output missing, or older than its source or than the TypeScript/package configuration),
// so a second `npm start` starts at once. Arguments after `npm start --` go to `spikenode run`.
import { spawnSync } from "node:child_process";
import process from "node:process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");
const CONFIG = ["tsconfig.json", "tsconfig.build.json", "package.json"].map((f) => join(root, f));

/** Source files under src/ and the file tsc writes for each (declarations emit nothing). */
function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith(".d.ts")) continue;
    else if (entry.name.endsWith(".ts"))
      yield [path, join(dist, relative(src, path)).replace(/\.ts$/, ".js")];
    else if (entry.name.endsWith(".json")) yield [path, join(dist, relative(src, path))];
  }
}

/** The first reason dist/ needs building, or undefined when it is current. */
function staleReason() {
  const configTime = Math.max(...CONFIG.filter(existsSync).map((f) => statSync(f).mtimeMs));
  for (const [source, output] of sources(src)) {
    if (!existsSync(output)) return `${relative(root, output)} is missing`;
    const built = statSync(output).mtimeMs;
    if (built < statSync(source).mtimeMs) return `${relative(root, source)} changed`;
    if (built < configTime) return "the TypeScript or package configuration changed";
  }
  return undefined;
}

const reason = staleReason();
if (reason !== undefined) {
  process.stderr.write(`npm start: building dist/ (${reason})\n`);
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
    stdio: "inherit",
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// Ctrl-C reaches both processes; `spikenode run` finishes the frames it accepted, so this one
// only waits for it (without a listener Node would exit at once and orphan its output).
process.on("SIGINT", () => {});
const run = spawnSync(
  process.execPath,
  [join(dist, "cli/main.js"), "run", ...process.argv.slice(2)],
  {
    stdio: "inherit",
  },
);
process.exit(run.status ?? (run.signal === "SIGINT" ? 130 : 1));
