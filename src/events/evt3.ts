/**
 * Prophesee EVT 3.0 (`evt3`): 16-bit little-endian words, the type in the top 4 bits
 * (event_camera_codecs `evt3_types.h`, Prophesee's EVT 3.0 format description):
 *
 *   0x0 ADDR_Y       y (11 bits), system type (bit 11): sets the row
 *   0x2 ADDR_X       x (11 bits), polarity (bit 11): one CD event at (x, row, time)
 *   0x3 VECT_BASE_X  x (11 bits), polarity (bit 11): base of the vector words that follow
 *   0x4 VECT_12      12-bit mask: events at base + i for each set bit i; base += 12
 *   0x5 VECT_8       8-bit mask: likewise, base += 8
 *   0x6 TIME_LOW     low 12 bits of the µs time
 *   0x8 TIME_HIGH    high 12 bits of the 24-bit µs time
 *   0xA EXT_TRIGGER  edge (bit 0), channel (bits 8-11), at the current time
 *   0xE OTHERS, 0x7 / 0xF CONTINUED: ignored
 *
 * The 24-bit time wraps every 2^24 µs = 16.78 s; a TIME_HIGH well below the previous one (more than
 * 10 steps of 4096 µs: the sensor's high time jitters back a little without wrapping, as
 * event_camera_codecs observed) counts one wrap. Times are the sensor's own µs clock unwrapped
 * across wraps, times 1000 (ns); `time_base` is not used. Until a TIME_HIGH and then a TIME_LOW have
 * been seen, events have no time and are dropped. Row, time, wraps and vector base carry across
 * packets: a packet may end between a TIME_HIGH and the events it dates.
 */
import type { EventBatch } from "./batch.js";
import {
  problemBit,
  type DecodeReport,
  type EncodingDecoder,
  type EventPacketLike,
} from "./types.js";
import { WordReader } from "./words.js";

const WRAP_US = 2 ** 24;
/** TIME_HIGH steps back by at most this much without meaning a wrap. */
const MAX_HIGH_JITTER = 10;

const TRUNCATED = problemBit("truncated_word");
const BACKWARDS = problemBit("time_backwards");
const OUT_OF_RANGE = problemBit("address_out_of_range");
const UNKNOWN_WORD = problemBit("unknown_word");

export class Evt3Decoder implements EncodingDecoder {
  readonly encoding = "evt3";
  readonly wordBytes = 2;
  readonly #words = new WordReader();

  // Decoder state, carried across packets.
  #haveHigh = false;
  #timeValid = false;
  /** Whole wraps so far, in µs (a multiple of 2^24). */
  #wrapsUs = 0;
  #high = 0;
  #low = 0;
  #y = 0;
  #baseX = 0;
  #vectorPolarity = 0;

  reset(): void {
    this.#haveHigh = false;
    this.#timeValid = false;
    this.#wrapsUs = 0;
    this.#high = 0;
    this.#low = 0;
    this.#y = 0;
    this.#baseX = 0;
    this.#vectorPolarity = 0;
  }

  /** The current sensor time in µs (meaningful once a TIME_HIGH and a TIME_LOW were seen). */
  get timeUs(): number {
    return this.#wrapsUs + this.#high * 4096 + this.#low;
  }

  #setHigh(t: number): void {
    if (t < this.#high && this.#high - t > MAX_HIGH_JITTER) this.#wrapsUs += WRAP_US;
    this.#high = t;
  }

  decode(packet: EventPacketLike, out: EventBatch): DecodeReport {
    const bytes = packet.events;
    const words = this.#words.words16(bytes);
    const n = words.length;
    let problems = bytes.byteLength % 2 === 0 ? 0 : TRUNCATED;
    let i = 0;
    // Before the stream has a time: only time words matter (as event_camera_codecs does).
    if (!this.#timeValid) {
      for (; i < n && !this.#timeValid; i++) {
        const w = words[i];
        const code = w >>> 12;
        if (code === 0x8) {
          this.#setHigh(w & 0xfff);
          this.#haveHigh = true;
        } else if (code === 0x6) {
          this.#low = w & 0xfff;
          if (this.#haveHigh) this.#timeValid = true;
        }
      }
    }
    // Offsets count from the time at which this packet's events start.
    const baseUs = this.timeUs;
    out.clear(BigInt(baseUs) * 1000n);
    if (!this.#timeValid) return { problems, dropped: 0 };

    const width = packet.width > 0 ? packet.width : 0x10000;
    const height = packet.height > 0 ? packet.height : 0x10000;
    let wrapsUs = this.#wrapsUs;
    let high = this.#high;
    let low = this.#low;
    let y = this.#y;
    let baseX = this.#baseX;
    let vp = this.#vectorPolarity;
    let nowUs = wrapsUs + high * 4096 + low;
    let tOff = (nowUs - baseUs) * 1000;
    let rowOk = y < height;
    let cap = out.capacity;
    let ex = out.x;
    let ey = out.y;
    let ep = out.polarity;
    let et = out.tOffsetNs;
    let k = 0;
    let dropped = 0;

    for (; i < n; i++) {
      const w = words[i];
      const code = w >>> 12;
      // Row and TIME_LOW words come first as plain tests: in recordings at moderate rates nearly
      // every event brings its own (4.6 words per event in the Gen3 fixture), and testing them
      // before the switch measured ~13 % faster there.
      if (code === 0x0) {
        y = w & 0x7ff;
        rowOk = y < height;
        continue;
      }
      if (code === 0x6) {
        low = w & 0xfff;
        const t = wrapsUs + high * 4096 + low;
        if (t < nowUs) problems |= BACKWARDS;
        nowUs = t;
        tOff = (t - baseUs) * 1000;
        continue;
      }
      switch (code) {
        case 0x2: {
          // ADDR_X: one event
          const x = w & 0x7ff;
          if (x < width && rowOk) {
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
        case 0x8: {
          // Events before the next TIME_LOW get the new high with the old low (as
          // event_camera_codecs dates them); whether time went back is judged at that TIME_LOW,
          // since a new high is usually followed by a smaller low.
          const t = w & 0xfff;
          if (t < high) {
            if (high - t > MAX_HIGH_JITTER) wrapsUs += WRAP_US;
            else problems |= BACKWARDS;
          }
          high = t;
          tOff = (wrapsUs + high * 4096 + low - baseUs) * 1000;
          break;
        }
        case 0x3:
          baseX = w & 0x7ff;
          vp = (w >>> 11) & 1;
          break;
        case 0x4:
        case 0x5: {
          const twelve = (w & 0x1000) === 0;
          let mask = twelve ? w & 0xfff : w & 0xff;
          if (k + 12 > cap) {
            out.count = k;
            out.growTo(k + 12);
            cap = out.capacity;
            ex = out.x;
            ey = out.y;
            ep = out.polarity;
            et = out.tOffsetNs;
          }
          while (mask !== 0) {
            const bit = 31 - Math.clz32(mask & -mask);
            mask &= mask - 1;
            // x is a 16-bit register in the sensor's format: it wraps, then fails the range check.
            const x = (baseX + bit) & 0xffff;
            if (x < width && rowOk) {
              ex[k] = x;
              ey[k] = y;
              ep[k] = vp;
              et[k] = tOff;
              k++;
            } else dropped++;
          }
          baseX = (baseX + (twelve ? 12 : 8)) & 0xffff;
          break;
        }
        case 0xa:
          out.count = k;
          out.pushTrigger(tOff, w & 1, (w >>> 8) & 0xf);
          break;
        case 0xe:
        case 0x7:
        case 0xf:
          break;
        default:
          problems |= UNKNOWN_WORD;
      }
    }
    out.count = k;
    out.endNs = BigInt(wrapsUs + high * 4096 + low) * 1000n;
    this.#wrapsUs = wrapsUs;
    this.#high = high;
    this.#low = low;
    this.#y = y;
    this.#baseX = baseX;
    this.#vectorPolarity = vp;
    if (dropped > 0) problems |= OUT_OF_RANGE;
    return { problems, dropped };
  }
}
