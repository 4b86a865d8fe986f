/**
 * spikenode's spiking engine: model files, networks of LIF / adaptive-LIF neurons ticked in
 * steps of `dt`, the model's raw readout and exact cost counters. Pure: no clocks, no globals,
 * no I/O except `loadModel`.
 *
 * Loading
 *   parseModel(json: unknown, weights: Uint8Array, source: string): Model
 *       Validate model.json (zod schema in model-spec.ts, defaults filled in) and its weights
 *       bytes. Throws ModelError (`userFacing: true`) naming the file, the field and the fix.
 *   loadModel(dirOrModelJson: string): Promise<Model>
 *       Read `<dir>/model.json` and the weights file it names, then parseModel.
 *   new WeightsWriter(): add(values, shape) → { offset, shape } refs, bytes() → weights.bin
 *       The writing half, for exporters (src/train): float32 little-endian, in order.
 *   Model: { source, spec: ModelSpec, weights: Float32Array, inputShape: [C,H,W], inputSize,
 *            encodedShape/encodedSize (what tick() receives: the image, or one row / window
 *            under a sequence encoder), sequenceLength (ticks per image, or null),
 *            layers: ResolvedLayer[] (inShape, outShape, neurons, float32 tensor views),
 *            weightedLayers, outputSize, labels }
 *
 * Running
 *   createNetwork(model, { engine?: "fast" | "reference" }): Network     (default "fast")
 *   network.reset()                  clear neuron and synapse state; start a new frame
 *   network.beginFrame()             start a new frame, keeping the state (continuous streams)
 *   network.tick(input, constant?)   one tick; input = encoded input current per input element
 *                                    (Float32Array | Float64Array, channels-first, encodedSize).
 *                                    constant=true: same input as the previous tick of this frame,
 *                                    so the first layer's current is computed once per frame.
 *   network.run(pixels, timesteps?, encoder?): { scores, counters }
 *                                    presentation mode of the model ("reset" clears state and
 *                                    encoder first, "continuous" keeps them); without `encoder`
 *                                    only the constant encoder (gain*x+bias, computed here); other
 *                                    encoders come from src/encode (encoderForModel(spec)).
 *   network.output / .spikes / .membrane   last layer, last tick (channels-first)
 *   network.scores(out?)             readout over the window [start, end) so far: spike_count,
 *                                    mean_output or membrane (raw; src/decode makes classes).
 *   network.counters(): FrameCounters    the frame so far (same object, updated in place)
 *   network.frameTicks
 *   runSequence(network, input, steps, { offset?, reset?, perTick? }): SequenceResult
 *                                    feed input[t] (encodedSize values each) at tick t: output
 *                                    totals (spikes, or summed values), per-tick output, the
 *                                    readout over the window (end defaults to the sequence's),
 *                                    per-layer spike totals, counters. For the "external"
 *                                    encoder (NIR graphs), usable with any model.
 *
 * Neuron kinds
 *   neuronKind(model: string): NeuronKind      the registry (src/snn/neurons/, one module a kind):
 *       .spiking, .spikeHeight(spec, dt), .stateVariables: readonly string[] (what an update
 *       reads and writes: lif ["v","ref"], alif ["v","eta"], leaky_integrator ["v"], linear [],
 *       if ["v"]), .buffers, .perNeuron, .check, .prepare, .step
 *   NEURON_KINDS                                every registered kind
 *
 * Graphs (format version 2): layers name their inputs; several are summed, an input from the
 * layer itself or a later one carries the previous tick's output (models/FORMAT.md).
 *
 * Semantics of one tick: layers update in order; without a synapse a layer sees the spikes its
 * input layer emitted in the same tick; a lowpass/alpha synapse (Nengo's zero-order-hold
 * discretisation) adds Nengo's one-step delay. LIF is Nengo's LIF.step exactly (float64 state);
 * ALIF is Yin et al.'s (see models/FORMAT.md). Both engines give the same spikes; "reference"
 * computes every layer densely and plainly, "fast" is event-driven (cost ~ spikes x fan-out).
 */
export { parseModel, parseSpec, ModelError, isWeighted, isSpikingNeuron } from "./model.js";
export type { Model, ResolvedLayer, Shape } from "./model.js";
export { loadModel, loadModelSync } from "./model-file.js";
export { WeightsWriter } from "./weights-writer.js";
export {
  encodedInputShape,
  encodedInputSize,
  isSequenceEncoder,
  sequenceLength,
} from "./encoding.js";
export type { SequenceEncoder } from "./encoding.js";
export { createNetwork } from "./create-network.js";
export { runSequence } from "./sequence.js";
export type { SequenceOptions, SequenceResult, LayerSpikeTotal } from "./sequence.js";
export type { Network, NetworkOptions, EngineKind, FrameResult, TickEncoder } from "./network.js";
export type { FrameCounters, LayerCounters } from "./counters.js";
export * from "./model-spec.js";
export { NEURON_KINDS, neuronKind, spikeHeight } from "./neurons/index.js";
export type { NeuronKind, NeuronModel, NeuronState } from "./neurons/index.js";
