/**
 * Handing pixel bytes to the worker with at most one copy.
 *
 * postMessage clones a typed array by copying its whole underlying ArrayBuffer, which for a
 * view into a larger buffer (a message inside a bag chunk, a Buffer from Node's pool) copies
 * far more than the frame. So: a view that owns its entire ArrayBuffer is transferred (zero
 * copies; the caller's array is detached); so is a view into a buffer the caller handed over
 * whole (the pixels of a CDR message decoded in place, inside the serialized bytes); any other
 * view is copied once, to exactly its bytes, and the copy is transferred. Never transfer a
 * buffer we do not wholly own: that would detach bytes that belong to something else.
 */
export interface Handover {
  data: Uint8Array;
  transfer: ArrayBuffer[];
}

/**
 * @param allowTransfer false keeps the caller's array usable (always one copy)
 * @param owner the array the caller handed over, when `data` was decoded out of it
 */
export function handOver(data: Uint8Array, allowTransfer: boolean, owner?: Uint8Array): Handover {
  const buffer = data.buffer;
  if (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer) {
    // Shared memory crosses threads without a copy; nothing to transfer.
    return { data, transfer: [] };
  }
  if (
    allowTransfer &&
    buffer instanceof ArrayBuffer &&
    data.byteOffset === 0 &&
    data.byteLength === buffer.byteLength
  ) {
    return { data, transfer: [buffer] };
  }
  if (
    allowTransfer &&
    owner !== undefined &&
    owner.buffer === buffer &&
    buffer instanceof ArrayBuffer &&
    owner.byteOffset === 0 &&
    owner.byteLength === buffer.byteLength
  ) {
    return { data, transfer: [buffer] };
  }
  // Not data.slice(): on a Node Buffer that returns a view of the same memory.
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return { data: copy, transfer: [copy.buffer] };
}
