/**
 * The replay loop for an event-camera topic (event_camera_msgs/msg/EventPacket): packets are read
 * in order, copied into the output bag as they are read, and handed to the pipeline, which
 * gathers them into windows of sensor time; each window's results are written at the window's
 * end stamp (the packets' clock), on the same output topics as for frames. Nothing is dropped:
 * the reader waits for room before each packet (the pipeline's queue holds the windows of a long
 * silence at once).
 */
import { performance } from "node:perf_hooks";
import type { Subscription } from "rxjs";
import { labelInfoMessage, resultMessages, RESULT_OUTPUTS } from "../../messages/results.js";
import type {
  ClassificationResult,
  FrameError,
  Pipeline,
  PipelineInfo,
} from "../../stream/types.js";
import type { McapBagWriter } from "../mcap-writer.js";
import { nanosecondsToStamp, stampToNanoseconds } from "../time.js";
import type { BagReader } from "../types.js";
import type { TrueLabels } from "./labels.js";
import { ReplayTally } from "./summary.js";

/** What the loop reads of the replay's options (ReplayOptions in index.ts). */
export interface EventRunOptions {
  rate?: number;
  limit?: number;
  signal?: AbortSignal;
  topK?: number;
  publishScores?: boolean;
  onFrame?: (frame: {
    index: number;
    total: number;
    offsetSec: number;
    result?: ClassificationResult;
    error?: FrameError;
    trueClass?: number;
  }) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const EVENT_PACKET_TYPE = "event_camera_msgs/msg/EventPacket";

export class EventReplayRun {
  readonly tally: ReplayTally;
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private readonly subscriptions: Subscription[] = [];
  private firstLogTime: bigint | undefined;
  private windows = 0;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly writer: McapBagWriter,
    private readonly info: PipelineInfo,
    private readonly options: EventRunOptions,
    private readonly topic: string,
    private readonly labelTopics: { labelInfo: string; outputs: Record<string, string> },
    private readonly total: number,
    private readonly labels: TrueLabels | undefined,
  ) {
    this.tally = new ReplayTally(info.labels);
    this.subscriptions.push(
      pipeline.results$.subscribe((r) => this.finish(r)),
      pipeline.errors$.subscribe((e) => this.failed(e)),
    );
  }

  async run(bag: BagReader): Promise<{
    frames: number;
    wallSeconds: number;
    recordedSeconds: number;
    interrupted: boolean;
  }> {
    const { options } = this;
    const rate = options.rate;
    const limit = options.limit ?? Infinity;
    let packets = 0;
    let interrupted = false;
    let wallStart = 0;
    let lastLogTime = 0n;
    const messages = bag.messages({ topics: [this.topic] });
    try {
      for await (const m of messages) {
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        if (this.writeError !== undefined) throw this.writeError;
        if (this.firstLogTime === undefined) {
          this.firstLogTime = m.logTime;
          wallStart = performance.now();
          this.write(() =>
            this.writer.writeMessage(
              this.labelTopics.labelInfo,
              labelInfoMessage(this.info.labels, nanosecondsToStamp(m.logTime)),
              m.logTime,
            ),
          );
        }
        if (rate !== undefined) {
          const due = wallStart + Number(m.logTime - this.firstLogTime) / 1e6 / rate;
          const wait = due - performance.now();
          if (wait > 1) await sleep(wait);
        }
        await this.pipeline.capacityAvailable();
        await this.writes;
        const data = m.data;
        this.write(() => this.writer.write(this.topic, data, m.logTime, m.publishTime));
        this.pipeline.push({ kind: "serialized", type: EVENT_PACKET_TYPE, data });
        if (m.logTime > lastLogTime) lastLogTime = m.logTime;
        packets += 1;
        if (packets >= limit) break;
      }
    } finally {
      await messages.return?.(undefined);
      await this.pipeline.close();
      for (const s of this.subscriptions) s.unsubscribe();
    }
    const wallSeconds = packets > 0 ? (performance.now() - wallStart) / 1000 : 0;
    await this.writes;
    if (this.writeError !== undefined) throw this.writeError;
    return {
      frames: this.pipeline.stats().received,
      wallSeconds,
      recordedSeconds:
        this.firstLogTime === undefined ? 0 : Number(lastLogTime - this.firstLogTime) / 1e9,
      interrupted,
    };
  }

  private write(task: () => Promise<void>): void {
    this.writes = this.writes.then(task).catch((err: unknown) => {
      this.writeError ??= err;
    });
  }

  /** A window's results, at its end stamp. */
  private finish(result: ClassificationResult): void {
    const seq = result.seq;
    const trueClass = this.labels?.labels[seq];
    this.tally.addResult(result, trueClass);
    const at = stampToNanoseconds(result.header.stamp);
    const topK = this.options.topK ?? this.info.labels.length;
    const messages = resultMessages(result, {
      topK,
      withScores: this.options.publishScores ?? true,
    });
    this.write(async () => {
      for (const output of RESULT_OUTPUTS)
        await this.writer.writeMessage(this.labelTopics.outputs[output], messages[output], at, at);
    });
    this.windows += 1;
    this.options.onFrame?.({
      index: seq,
      total: Math.max(this.total, this.windows),
      offsetSec: this.firstLogTime === undefined ? 0 : Number(at - this.firstLogTime) / 1e9,
      result,
      trueClass,
    });
  }

  private failed(error: FrameError): void {
    this.tally.addError(error);
  }
}
