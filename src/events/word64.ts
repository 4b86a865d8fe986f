/**
 * The 64-bit-per-event encodings, as event_camera_msgs' README and event_camera_codecs'
 * `libcaer_decoder.h`, `mono_decoder.h` and `trigger_decoder.h` lay them out (little-endian):
 *
 * `libcaer` (libcaer's polarity event): uint32 data, int32 timestamp (µs, 31 bits). data: valid
 *   (bit 0), polarity (bit 1), y (bits 2-16), x (bits 17-31). Time in ns = time_base + ts · 1000,
 *   plus 2^31 µs for each time the timestamp falls back within the packet (its 31-bit rollover).
 * `mono` (deprecated): dt (bits 0-31, ns), x (bits 32-47), y (bits 48-62), polarity (bit 63).
 *   Time in ns = time_base + dt.
 * `trigger` (deprecated): dt (bits 0-31, ns), channel (bits 48-55), edge (bit 63): trigger events.
 */
import type { EventBatch } from "./batch.js";
import {
  problemBit,
  type DecodeReport,
  type EncodingDecoder,
  type EventPacketLike,
} from "./types.js";
import { WordReader } from "./words.js";

const TRUNCATED = problemBit("truncated_word");
const BACKWARDS = problemBit("time_backwards");
const OUT_OF_RANGE = problemBit("address_out_of_range");
const INVALID_TIME = problemBit("invalid_timestamp");

const ROLLOVER_US = 2 ** 31;

/** Shared by the 64-bit decoders: times are time_base + an offset, so each packet stands alone. */
abstract class Word64Decoder implements EncodingDecoder {
  abstract readonly encoding: string;
  readonly wordBytes = 8;
  protected readonly words = new WordReader();
  #lastNs: bigint | undefined;

  reset(): void {
    this.#lastNs = undefined;
  }

  decode(packet: EventPacketLike, out: EventBatch): DecodeReport {
    const bytes = packet.events;
    out.clear(packet.time_base);
    const n = bytes.byteLength >>> 3;
    const words = this.words.words32(bytes.subarray(0, n * 8));
    const width = packet.width > 0 ? packet.width : 0x10000;
    const height = packet.height > 0 ? packet.height : 0x10000;
    out.growTo(n);
    const report = this.decodeWords(words, n, width, height, out);
    if (bytes.byteLength % 8 !== 0) report.problems |= TRUNCATED;
    // Across packets, compare exact times (the time bases differ).
    const count = out.count + out.triggerCount;
    if (count > 0) {
      const first =
        out.count > 0 && (out.triggerCount === 0 || out.tOffsetNs[0] <= out.triggerOffsetNs[0])
          ? out.timeNs(0)
          : out.triggerTimeNs(0);
      if (this.#lastNs !== undefined && first < this.#lastNs) report.problems |= BACKWARDS;
      const last =
        out.count > 0 &&
        (out.triggerCount === 0 ||
          out.tOffsetNs[out.count - 1] >= out.triggerOffsetNs[out.triggerCount - 1])
          ? out.timeNs(out.count - 1)
          : out.triggerTimeNs(out.triggerCount - 1);
      this.#lastNs = last;
    }
    return report;
  }

  /** Decodes n events from `words` (2 per event) into `out`, which has room for n. */
  protected abstract decodeWords(
    words: Uint32Array,
    n: number,
    width: number,
    height: number,
    out: EventBatch,
  ): DecodeReport;
}

export class LibcaerDecoder extends Word64Decoder {
  readonly encoding = "libcaer";

  protected decodeWords(
    words: Uint32Array,
    n: number,
    width: number,
    height: number,
    out: EventBatch,
  ): DecodeReport {
    const ex = out.x;
    const ey = out.y;
    const ep = out.polarity;
    const et = out.tOffsetNs;
    let problems = 0;
    let dropped = 0;
    let k = 0;
    let rolloverUs = 0;
    let lastTs = 0;
    let lastT = -Infinity;
    for (let i = 0; i < n; i++) {
      const data = words[2 * i];
      const ts = words[2 * i + 1];
      if (ts >= ROLLOVER_US) {
        // int32 sign bit set: not a libcaer timestamp.
        problems |= INVALID_TIME;
        dropped++;
        continue;
      }
      if (ts < lastTs) rolloverUs += ROLLOVER_US;
      lastTs = ts;
      const t = (ts + rolloverUs) * 1000;
      const x = (data >>> 17) & 0x7fff;
      const y = (data >>> 2) & 0x7fff;
      if (x >= width || y >= height) {
        dropped++;
        problems |= OUT_OF_RANGE;
        continue;
      }
      if (t < lastT) problems |= BACKWARDS;
      lastT = t;
      ex[k] = x;
      ey[k] = y;
      ep[k] = (data >>> 1) & 1;
      et[k] = t;
      k++;
    }
    out.count = k;
    return { problems, dropped };
  }
}

export class MonoDecoder extends Word64Decoder {
  readonly encoding = "mono";

  protected decodeWords(
    words: Uint32Array,
    n: number,
    width: number,
    height: number,
    out: EventBatch,
  ): DecodeReport {
    const ex = out.x;
    const ey = out.y;
    const ep = out.polarity;
    const et = out.tOffsetNs;
    let problems = 0;
    let dropped = 0;
    let k = 0;
    let lastT = -1;
    for (let i = 0; i < n; i++) {
      const dt = words[2 * i];
      const hi = words[2 * i + 1];
      const x = hi & 0xffff;
      const y = (hi >>> 16) & 0x7fff;
      if (x >= width || y >= height) {
        dropped++;
        problems |= OUT_OF_RANGE;
        continue;
      }
      if (dt < lastT) problems |= BACKWARDS;
      lastT = dt;
      ex[k] = x;
      ey[k] = y;
      ep[k] = hi >>> 31;
      et[k] = dt;
      k++;
    }
    out.count = k;
    return { problems, dropped };
  }
}

export class TriggerDecoder extends Word64Decoder {
  readonly encoding = "trigger";

  protected decodeWords(words: Uint32Array, n: number, _w: number, _h: number, out: EventBatch) {
    let problems = 0;
    let lastT = -1;
    for (let i = 0; i < n; i++) {
      const dt = words[2 * i];
      const hi = words[2 * i + 1];
      if (dt < lastT) problems |= BACKWARDS;
      lastT = dt;
      out.pushTrigger(dt, hi >>> 31, (hi >>> 16) & 0xff);
    }
    return { problems, dropped: 0 };
  }
}
