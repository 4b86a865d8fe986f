/**
 * What the engine counts. Power estimates (src/power) are computed from these, so the
 * definitions are exact:
 * - spikes: spikes the layer's neurons emitted;
 * - synapticOps: for each spike arriving at a weighted layer, its exact fan-out into that layer
 *   (padding and borders respected, pooling folded in), summed; i.e. accumulate operations;
 * - neuronUpdates: neuron state updates (one per neuron per tick);
 * - annMacs: multiply-accumulates the same layer costs once as a conventional ANN (dense: in*out;
 *   conv: out_h*out_w*out_c*in_c*kh*kw; pooling adds its adds; recurrent: in*out + out*out).
 *   Under a sequence encoder (rows, pixel_windows) a frame is a sequence, and annMacs is the
 *   per-step count times the sequence length, as an RNN of the same shape would spend.
 */
export interface LayerCounters {
  /** Layer index in model.layers (weighted layers only carry neurons). */
  layer: number;
  neurons: number;
  spikes: number;
  synapticOps: number;
  neuronUpdates: number;
  /** ANN-equivalent multiply-accumulates for one frame (not per tick). */
  annMacs: number;
}

export interface FrameCounters {
  /** Ticks simulated for this frame. */
  ticks: number;
  /**
   * Of layers[0].synapticOps, those driven by the network input (the encoder's values into the
   * first weighted layer), the rest being that layer's recurrent spikes. Under an analog encoder
   * these are the multiply-accumulates of input values. Always set by the engines; optional so
   * counters written before it existed still type-check.
   */
  inputOps?: number;
  /** Simulation step in seconds (for rates). */
  dt: number;
  layers: LayerCounters[];
  total: Omit<LayerCounters, "layer">;
}
