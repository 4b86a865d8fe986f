/**
 * The writing half of the model file's weights (models/FORMAT.md): tensors appended one after
 * another into weights.bin as little-endian float32, each returning the `{ offset, shape }` ref
 * that model.json stores. Beside the reader (model-file.ts, model.ts) so that every exporter
 * (soft-LIF, sequence networks, NIR) shares one layout and imports it from the engine, not from
 * another exporter. Pure: bytes in memory, no I/O.
 */
export class WeightsWriter {
  private chunks: Float32Array[] = [];
  private offset = 0;

  /** Appends `values` (row-major in `shape`); returns the ref to put in model.json. */
  add(values: Float32Array, shape: number[]): { offset: number; shape: number[] } {
    const ref = { offset: this.offset, shape };
    this.chunks.push(values);
    this.offset += values.length * 4;
    return ref;
  }

  /** Everything added so far, in order: the contents of weights.bin. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.offset);
    const view = new DataView(out.buffer);
    let o = 0;
    for (const c of this.chunks) {
      for (let i = 0; i < c.length; i++, o += 4) view.setFloat32(o, c[i], true);
    }
    return out;
  }
}
