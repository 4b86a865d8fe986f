/**
 * iniVation compressed libcaer (`libcaer_cmp`), as libcaer_driver writes it and event_camera_codecs
 * `libcaer_cmp_types.h` / `libcaer_cmp_decoder.h` describe it: 16-bit little-endian words, the type
 * in the top 4 bits, column-major where evt3 is row-major:
 *
 *   0 TIME_HIGH    high 12 bits of the µs offset from time_base
 *   1 TIME_LOW     low 12 bits
 *   2 ADDR_X       x (11 bits): sets the column
 *   3 ADDR_Y       y (11 bits), polarity (bit 11): one CD event at (column, y, time)
 *   4 VECT_BASE_Y  y (11 bits), polarity (bit 11): base of the vector words that follow
 *   5 VECT_8       8-bit mask: events at base + i for each set bit i; base += 8
 *
 * The time is (time_base + offset) µs, so `time_base` is in µs here; offsets restart at 0 with each
 * packet (the driver starts a packet with its time base), while the column and vector base carry
 * over. Event time in ns = (time_base + (high << 12 | low)) · 1000.
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
const UNKNOWN_WORD = problemBit("unknown_word");

export class LibcaerCmpDecoder implements EncodingDecoder {
  readonly encoding = "libcaer_cmp";
  readonly wordBytes = 2;
  readonly #words = new WordReader();
  #x = 0;
  #baseY = 0;
  #vectorPolarity = 0;
  /** Time of the last event of the stream, in ns, to notice time stepping back. */
  #lastNs: bigint | undefined;

  reset(): void {
    this.#x = 0;
    this.#baseY = 0;
    this.#vectorPolarity = 0;
    this.#lastNs = undefined;
  }

  decode(packet: EventPacketLike, out: EventBatch): DecodeReport {
    const bytes = packet.events;
    const words = this.#words.words16(bytes);
    const n = words.length;
    let problems = bytes.byteLength % 2 === 0 ? 0 : TRUNCATED;
    out.clear(packet.time_base * 1000n);
    const width = packet.width > 0 ? packet.width : 0x10000;
    const height = packet.height > 0 ? packet.height : 0x10000;
    let x = this.#x;
    let baseY = this.#baseY;
    let vp = this.#vectorPolarity;
    let high = 0;
    let nowUs = 0;
    let tOff = 0;
    let colOk = x < width;
    let cap = out.capacity;
    let k = 0;
    let dropped = 0;
    let ex = out.x;
    let ey = out.y;
    let ep = out.polarity;
    let et = out.tOffsetNs;
    for (let i = 0; i < n; i++) {
      const w = words[i];
      switch (w >>> 12) {
        case 3: {
          const y = w & 0x7ff;
          if (colOk && y < height) {
            if (k === cap) {
              out.count = k;
              out.growTo(k + 1);
              cap = out.capacity;
              ex = out.x;
              ey = out.y;
              ep = out.polarity;
              et = out.tOffsetNs;
            }
            ex[k] = x;
            ey[k] = y;
            ep[k] = (w >>> 11) & 1;
            et[k] = tOff;
            k++;
          } else dropped++;
          break;
        }
        case 2:
          x = w & 0x7ff;
          colOk = x < width;
          break;
        case 1: {
          const t = high + (w & 0xfff);
          if (t < nowUs) problems |= BACKWARDS;
          nowUs = t;
          tOff = t * 1000;
          break;
        }
        case 0:
          // Their decoder takes TIME_HIGH as the time's top bits and keeps the low bits at the last
          // TIME_LOW's value until the next one: the time is (high << 12 | low).
          high = (w & 0xfff) * 4096;
          {
            const t = high + (nowUs % 4096);
            if (t < nowUs) problems |= BACKWARDS;
            nowUs = t;
            tOff = t * 1000;
          }
          break;
        case 4:
          baseY = w & 0x7ff;
          vp = (w >>> 11) & 1;
          break;
        case 5: {
          let mask = w & 0xff;
          if (k + 8 > cap) {
            out.count = k;
            out.growTo(k + 8);
            cap = out.capacity;
            ex = out.x;
            ey = out.y;
            ep = out.polarity;
            et = out.tOffsetNs;
          }
          while (mask !== 0) {
            const bit = 31 - Math.clz32(mask & -mask);
            mask &= mask - 1;
            const y = (baseY + bit) & 0xffff;
            if (colOk && y < height) {
              ex[k] = x;
              ey[k] = y;
              ep[k] = vp;
              et[k] = tOff;
              k++;
            } else dropped++;
          }
          baseY = (baseY + 8) & 0xffff;
          break;
        }
        default:
          problems |= UNKNOWN_WORD;
      }
    }
    out.count = k;
    this.#x = x;
    this.#baseY = baseY;
    this.#vectorPolarity = vp;
    if (k > 0) {
      const first = out.timeNs(0);
      if (this.#lastNs !== undefined && first < this.#lastNs) problems |= BACKWARDS;
      this.#lastNs = out.timeNs(k - 1);
    }
    if (dropped > 0) problems |= OUT_OF_RANGE;
    return { problems, dropped };
  }
}
