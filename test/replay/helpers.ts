/** Shared by the replay tests: the fixture model and bags, temp dirs, reading an output bag back. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { openBag, type BagMessage } from "../../src/bag/index.js";

export const ROOT = new URL("../../", import.meta.url).pathname;
/** The shared golden network (784-512-512-10, fixed weights): a real model of the right input size. */
export const FIXTURE_MODEL = join(ROOT, "test/fixtures/golden");
export const SAMPLE_BAG = join(ROOT, "samples/fashion-mnist-camera");
export const fixtureBag = (name: string) => join(ROOT, "test/fixtures/bags", name);
/** The shipped model; SPIKENODE_SHIPPED_MODEL checks a candidate before it is shipped. */
export const SHIPPED_MODEL =
  process.env.SPIKENODE_SHIPPED_MODEL ?? join(ROOT, "models/fashion-mnist-lif");

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed after the test file. */
export function tempDir(prefix = "spikenode-replay-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export interface ReadBack {
  messages: BagMessage[];
  byTopic: Map<string, { type: string; messages: BagMessage[]; decoded: unknown[] }>;
}

/** Every message of a bag, grouped by topic and decoded with the bag's stored schemas. */
export async function readBack(path: string): Promise<ReadBack> {
  const bag = await openBag(path);
  const byTopic: ReadBack["byTopic"] = new Map();
  for (const t of bag.topics()) byTopic.set(t.name, { type: t.type, messages: [], decoded: [] });
  const messages: BagMessage[] = [];
  for await (const m of bag.messages()) {
    messages.push(m);
    const entry = byTopic.get(m.topic)!;
    entry.messages.push(m);
    let decoded: unknown;
    try {
      decoded = bag.codecFor(m.topic).decode(m.data);
    } catch {
      decoded = undefined; // a bad frame copied from the source bag
    }
    entry.decoded.push(decoded);
  }
  assertNoProblems(bag.problems);
  await bag.close();
  return { messages, byTopic };
}

function assertNoProblems(problems: readonly { message: string }[]): void {
  if (problems.length > 0) throw new Error(`output bag has problems: ${problems[0].message}`);
}

export async function imageMessages(path: string, topic?: string): Promise<BagMessage[]> {
  const bag = await openBag(path);
  const out: BagMessage[] = [];
  for await (const m of bag.messages(topic ? { topics: [topic] } : {})) out.push(m);
  await bag.close();
  return out;
}
