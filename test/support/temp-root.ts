/**
 * Vitest global setup: the whole run gets one fresh temp root (TMPDIR, inherited by the test
 * workers and every subprocess they start), so a test never sees another run's leftovers.
 * At teardown the root must be empty: tests clean up after themselves, and whatever one
 * forgot is named and fails the run rather than piling up in the OS temp dir.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const outer = tmpdir();
  const root = mkdtempSync(join(outer, "spikenode-test-"));
  process.env.TMPDIR = root;
  return () => {
    // tsx keeps its compile cache in <tmp>/tsx-<uid>: the tool's, not a test's.
    const left = readdirSync(root).filter((name) => !/^tsx-\d+$/.test(name));
    rmSync(root, { recursive: true, force: true });
    process.env.TMPDIR = outer;
    if (left.length > 0) {
      throw new Error(
        `tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temp dir: ${left.join(", ")}; ` +
          "remove what a test creates (the helpers' tempDir() does it after the file)",
      );
    }
  };
}
