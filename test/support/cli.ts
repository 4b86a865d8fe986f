/**
 * How tests run the real command line: `node --import <tsx loader> src/cli/main.ts`, with the
 * loader named by an absolute file URL resolved from this checkout. A bare `--import tsx` is
 * resolved from the child's working directory, so it failed wherever a test chose a temp folder
 * as cwd and no tsx happened to be installed above it (issue 12).
 */
import { spawn, spawnSync, type SpawnOptions, type SpawnSyncOptions } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The checkout's root directory (this file lives in test/support/). */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI_MAIN = join(ROOT, "src/cli/main.ts");

// tsx's package.json is exported, and its "." export is the ESM loader; resolve both from the
// checkout so nothing outside the clone is consulted.
const tsxDir = dirname(createRequire(join(ROOT, "package.json")).resolve("tsx/package.json"));
const TSX_LOADER = pathToFileURL(join(tsxDir, "dist/loader.mjs")).href;

/** The argv (after the node binary) that runs `spikenode ...args` from source. */
export function cliArgv(args: readonly string[]): string[] {
  return ["--import", TSX_LOADER, CLI_MAIN, ...args];
}

/** Runs `spikenode ...args` to completion; cwd defaults to the checkout root. */
export function runCli(args: readonly string[], options: SpawnSyncOptions = {}) {
  return spawnSync(process.execPath, cliArgv(args), {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
    ...options,
  }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
}

/** Starts `spikenode ...args` without waiting for it. */
export function startCli(args: readonly string[], options: SpawnOptions = {}) {
  return spawn(process.execPath, cliArgv(args), { cwd: ROOT, ...options });
}
