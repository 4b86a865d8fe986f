/**
 * Typed-array views of a packet's words. A uint8[] inside CDR bytes starts wherever the fields
 * before it ended, so its offset is often not a multiple of the word size; such packets (and all
 * packets on a big-endian host, where typed arrays would swap) are copied into a reused scratch
 * buffer first. The copy costs one memcpy, far less than decoding.
 */

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class WordReader {
  #scratch = new ArrayBuffer(0);

  /** The bytes' whole little-endian 16-bit words. */
  words16(bytes: Uint8Array): Uint16Array {
    const n = bytes.byteLength >>> 1;
    if (HOST_LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) {
      return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    }
    const out = new Uint16Array(this.#room(n * 2), 0, n);
    if (HOST_LITTLE_ENDIAN) new Uint8Array(out.buffer, 0, n * 2).set(bytes.subarray(0, n * 2));
    else for (let i = 0; i < n; i++) out[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    return out;
  }

  /** The bytes' whole little-endian 32-bit words. */
  words32(bytes: Uint8Array): Uint32Array {
    const n = bytes.byteLength >>> 2;
    if (HOST_LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
      return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
    }
    const out = new Uint32Array(this.#room(n * 4), 0, n);
    if (HOST_LITTLE_ENDIAN) new Uint8Array(out.buffer, 0, n * 4).set(bytes.subarray(0, n * 4));
    else {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) out[i] = v.getUint32(4 * i, true);
    }
    return out;
  }

  #room(bytes: number): ArrayBuffer {
    if (this.#scratch.byteLength < bytes) {
      this.#scratch = new ArrayBuffer(Math.max(bytes, this.#scratch.byteLength * 2));
    }
    return this.#scratch;
  }
}
