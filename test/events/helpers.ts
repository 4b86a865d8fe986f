/** Shared by the event tests: the event_camera_codecs bags, read through our own bag reader. */
import { fileURLToPath } from "node:url";
import { openBag } from "../../src/bag/index.js";
import type { EventPacket } from "../../src/messages/index.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/events/", import.meta.url));

export const EVT3_BAG = `${FIXTURES}test_data_evt3_trigger`;
export const LIBCAER_BAG = `${FIXTURES}test_data_libcaer_rollover`;
export const MONO_BAG = `${FIXTURES}test_data_mono_cd`;

/** Every packet of a bag's one event topic, decoded from CDR, in recorded order. */
export async function readPackets(bagPath: string): Promise<EventPacket[]> {
  const bag = await openBag(bagPath);
  try {
    const [topic] = bag.topics();
    const codec = bag.codecFor(topic.name);
    const out: EventPacket[] = [];
    for await (const m of bag.messages()) out.push(codec.decode(m.data) as EventPacket);
    return out;
  } finally {
    await bag.close();
  }
}

const U64 = (1n << 64n) - 1n;

/** The sums event_camera_codecs' CheckSumProcessor keeps (uint64, so wrapping mod 2^64). */
export class CheckSums {
  t = 0n;
  x = 0n;
  y = 0n;
  p = 0n;
  triggerT = 0n;
  triggerEdge = 0n;
  triggerId = 0n;
  events = 0;
  triggers = 0;
  lastTime = 0n;
  backwards = 0;

  add(batch: import("../../src/events/index.js").EventBatch): void {
    // Sum offsets in doubles per batch (exact: < 2^53 here), then add count · base exactly.
    let sumOff = 0;
    let sx = 0;
    let sy = 0;
    let sp = 0;
    let last = -Infinity;
    for (let i = 0; i < batch.count; i++) {
      const t = batch.tOffsetNs[i];
      sumOff += t;
      sx += batch.x[i];
      sy += batch.y[i];
      sp += batch.polarity[i];
      if (t < last) this.backwards++;
      last = t;
    }
    if (!Number.isSafeInteger(sumOff)) throw new Error(`offset sum ${sumOff} is not exact`);
    if (batch.count > 0) {
      if (batch.timeNs(0) < this.lastTime) this.backwards++;
      this.lastTime = batch.timeNs(batch.count - 1);
    }
    this.t = (this.t + BigInt(batch.count) * batch.baseNs + BigInt(sumOff)) & U64;
    this.x += BigInt(sx);
    this.y += BigInt(sy);
    this.p += BigInt(sp);
    this.events += batch.count;
    for (let i = 0; i < batch.triggerCount; i++) {
      this.triggerT = (this.triggerT + batch.triggerTimeNs(i)) & U64;
      this.triggerEdge += BigInt(batch.triggerEdge[i]);
      this.triggerId += BigInt(batch.triggerId[i]);
    }
    this.triggers += batch.triggerCount;
  }
}
