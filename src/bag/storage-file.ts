/** One storage file of a bag, whatever its format; `open.ts` composes them into a BagReader. */
import type { BagMessage, BagProblem, StorageId, StoredSchema } from "./types.js";

export interface FileTopic {
  name: string;
  type: string;
  count: number;
  qosYaml: string;
  serializationFormat: string;
  schema?: StoredSchema;
}

export interface StorageFileReader {
  readonly path: string;
  readonly storage: StorageId;
  readonly topics: readonly FileTopic[];
  readonly messageCount: number;
  readonly startTime: bigint | undefined;
  readonly endTime: bigint | undefined;
  /**
   * Yields the messages of the given topics (all when undefined). Damage met while reading ends
   * the file's messages and is pushed to `problems`, never thrown.
   */
  messages(
    topics: ReadonlySet<string> | undefined,
    problems: BagProblem[],
  ): AsyncGenerator<BagMessage>;
  close(): Promise<void>;
}

/** A file's topics merged by name (MCAP may hold several channels for one topic). */
export function mergeTopics(into: Map<string, FileTopic>, topics: Iterable<FileTopic>): void {
  for (const t of topics) {
    const seen = into.get(t.name);
    if (seen) {
      seen.count += t.count;
      if (!seen.schema && t.schema) seen.schema = t.schema;
      if (seen.qosYaml === "" && t.qosYaml !== "") seen.qosYaml = t.qosYaml;
    } else {
      into.set(t.name, { ...t });
    }
  }
}

export const errorText = (err: unknown): string =>
  err instanceof Error ? err.message : String(err);
