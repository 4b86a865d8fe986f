/**
 * N-MNIST / N-Caltech101 `.bin` files (Orchard et al. 2015): 5 bytes per event, big-endian fields
 *
 *   byte 0   x
 *   byte 1   y
 *   byte 2   bit 7 polarity, bits 0-6 timestamp bits 16-22
 *   byte 3-4 timestamp bits 0-15 (µs, 23 bits in all)
 *
 * An event with y == 240 is not an event but a timestamp overflow marker: the dataset's own
 * readers (Orchard's `Read_Ndataset.m` / `eventvision.py`, and tonic's `read_mnist_file`) add
 * 2^13 µs to every later timestamp, and so do we by default (`overflowIncrementUs`), so that event
 * times agree with theirs. N-MNIST samples last ~300 ms and contain no such marker.
 *
 * The sensor is 34×34 (N-MNIST); events outside `width × height` are dropped and counted.
 */
import { EventBatch } from "./batch.js";
import { problemBit, type DecodeReport } from "./types.js";

export interface NmnistOptions {
  /** Sensor width and height; default 34 × 34 (N-MNIST). N-Caltech101 needs larger ones. */
  width?: number;
  height?: number;
  /** µs added to later timestamps per overflow marker; default 8192 (2^13), as tonic does. */
  overflowIncrementUs?: number;
}

export interface NmnistRecording extends DecodeReport {
  /** Times in ns from the recording's clock zero (baseNs 0). */
  batch: EventBatch;
  /** Overflow markers met. */
  overflows: number;
}

const OVERFLOW_Y = 240;

export function parseNmnist(bytes: Uint8Array, options: NmnistOptions = {}): NmnistRecording {
  const width = options.width ?? 34;
  const height = options.height ?? 34;
  const increment = options.overflowIncrementUs ?? 2 ** 13;
  const n = Math.floor(bytes.byteLength / 5);
  const batch = new EventBatch(Math.max(1, n));
  batch.clear(0n);
  let problems = bytes.byteLength % 5 === 0 ? 0 : problemBit("truncated_word");
  let dropped = 0;
  let overflows = 0;
  let addUs = 0;
  let lastUs = -1;
  let k = 0;
  const { x: ex, y: ey, polarity: ep, tOffsetNs: et } = batch;
  for (let i = 0, o = 0; i < n; i++, o += 5) {
    const x = bytes[o];
    const y = bytes[o + 1];
    if (y === OVERFLOW_Y) {
      overflows++;
      addUs += increment;
      continue;
    }
    const b2 = bytes[o + 2];
    const tUs = ((b2 & 0x7f) << 16) + (bytes[o + 3] << 8) + bytes[o + 4] + addUs;
    if (x >= width || y >= height) {
      dropped++;
      continue;
    }
    if (tUs < lastUs) problems |= problemBit("time_backwards");
    lastUs = tUs;
    ex[k] = x;
    ey[k] = y;
    ep[k] = b2 >>> 7;
    et[k] = tUs * 1000;
    k++;
  }
  batch.count = k;
  if (dropped > 0) problems |= problemBit("address_out_of_range");
  return { batch, overflows, problems, dropped };
}
