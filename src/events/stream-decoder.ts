/**
 * One topic's event stream: picks the decoder for each packet's encoding (a table keyed by
 * encoding, not a chain of branches), keeps one per encoding and geometry so its state carries
 * from packet to packet, and never throws for a bad packet: it reports why.
 */
import { EventBatch } from "./batch.js";
import { Evt3Decoder } from "./evt3.js";
import { LibcaerCmpDecoder } from "./libcaer-cmp.js";
import {
  problemBit,
  type DecodeReport,
  type EncodingDecoder,
  type EventPacketLike,
} from "./types.js";
import { LibcaerDecoder, MonoDecoder, TriggerDecoder } from "./word64.js";

/** The encodings we decode, each with a factory of fresh (stateful) decoders. */
export const DECODERS: Readonly<Record<string, () => EncodingDecoder>> = {
  evt3: () => new Evt3Decoder(),
  libcaer_cmp: () => new LibcaerCmpDecoder(),
  libcaer: () => new LibcaerDecoder(),
  mono: () => new MonoDecoder(),
  trigger: () => new TriggerDecoder(),
};

export const ENCODINGS = Object.keys(DECODERS);

/** A fresh decoder for `encoding`, or undefined when we have none. */
export function createDecoder(encoding: string): EncodingDecoder | undefined {
  return Object.hasOwn(DECODERS, encoding) ? DECODERS[encoding]() : undefined;
}

const UNKNOWN_ENCODING = problemBit("unknown_encoding");
const BIG_ENDIAN = problemBit("big_endian");

export class EventStreamDecoder {
  readonly #decoders = new Map<string, EncodingDecoder>();
  /** The events of the last packet decoded (reused: copy what you keep). */
  readonly batch = new EventBatch();

  /**
   * Decodes one packet into `batch` (emptied first). Unknown encodings and big-endian packets
   * leave it empty and say so in the report.
   */
  decode(packet: EventPacketLike): DecodeReport {
    const key = `${packet.encoding}\u0000${packet.width}x${packet.height}`;
    let decoder = this.#decoders.get(key);
    if (!decoder) {
      decoder = createDecoder(packet.encoding);
      if (!decoder) {
        this.batch.clear(0n);
        return { problems: UNKNOWN_ENCODING, dropped: 0 };
      }
      this.#decoders.set(key, decoder);
    }
    if (packet.is_bigendian) {
      this.batch.clear(0n);
      return { problems: BIG_ENDIAN, dropped: 0 };
    }
    return decoder.decode(packet, this.batch);
  }

  /** Forgets all decoder state (a new recording, or a seek). */
  reset(): void {
    this.#decoders.clear();
  }
}
