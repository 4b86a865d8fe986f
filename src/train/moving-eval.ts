/**
 * `spikenode eval --dataset moving-fashion-mnist`: a stream model on the moving Fashion-MNIST
 * test clips as a camera would show them, with our engine, in-thread. The clips are one stream
 * of canvas frames in order (as in the sample bag): each frame is read as the preprocessor reads
 * mono8 (byte/255), handed to the model's encoder (never reset: the delta encoder's reference
 * runs across frames and clips, as the clips were recorded), and ticked presentation.timesteps
 * times. In `continuous` presentation (the model's mode, or `presentation`) the network keeps
 * its state from frame to frame and clip to clip, and each frame's decision is the readout over
 * that frame's ticks, as the node's pipeline does it; in `reset` each frame starts cleared.
 *
 * Figures: per-frame accuracy over the frames the labels score (frame ≥ scoreFromFrame of each
 * clip: frame 0 shows only the cut from the previous clip), per-clip accuracy (the decision at a
 * clip's last frame), accuracy by frame position, and per frame: spikes, firing rate, synaptic
 * operations (those driven by input events apart) and the conventional network's MACs.
 */
import { createEncoder } from "../encode/index.js";
import { createNetwork } from "../snn/create-network.js";
import { loadModel } from "../snn/model-file.js";
import { isSpikingNeuron, type Model } from "../snn/model.js";
import {
  frameTensor,
  loadMovingFashion,
  MOVING_EVENT_DEFAULTS,
  type DeltaEncoderSpec,
} from "./datasets/moving-events.js";
import { MOVING_DEFAULTS, MOVING_DIRECTIONS } from "./datasets/moving-fashion.js";

export type MovingPresentation = "reset" | "continuous" | "clip";

export interface MovingEvalOptions {
  modelDir: string;
  /** Test clips, from the first (the sample bag holds the first 120); default all 1000. */
  limit?: number;
  /**
   * Default: the model's presentation.mode. `clip` is a diagnostic: continuous within a clip,
   * cleared at each clip's first frame, as training saw the clips (a camera stream has no clip
   * boundaries to reset at).
   */
  presentation?: MovingPresentation;
  dataDir?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface MovingEvalReport {
  model: string;
  dataset: "moving-fashion-mnist";
  split: "test";
  clips: number;
  framesPerClip: number;
  presentation: MovingPresentation;
  ticksPerFrame: number;
  dt: number;
  /** First frame of a clip that is scored. */
  scoreFromFrame: number;
  /** Decisions right over the scored frames of all clips. */
  frameAccuracy: number;
  /** Decisions right at each clip's last frame. */
  clipAccuracy: number;
  /** Accuracy at each frame position of a clip (frame 0 included, though unscored). */
  accuracyByFrame: number[];
  chance: number;
  /** Spikes per spiking neuron per tick, and in Hz. */
  spikesPerNeuronPerStep: number;
  meanRateHz: number;
  spikesPerFrame: number;
  /** Synaptic operations per frame (accumulates), of which inputOpsPerFrame driven by input events. */
  synopsPerFrame: number;
  inputOpsPerFrame: number;
  neuronUpdatesPerFrame: number;
  /** The engine's count of the same network run once as a conventional network (FrameCounters.annMacs). */
  annMacsPerFrame: number;
  /**
   * Multiply-accumulates of the same network stepped as a conventional RNN at every tick, as it
   * was trained (ticksPerFrame steps per frame): the figure Yin et al. compare synops with.
   */
  rnnMacsPerFrame: number;
  layers: {
    layer: number;
    neurons: number;
    spikesPerNeuronPerStep: number;
    synopsPerFrame: number;
  }[];
  seconds: number;
}

function userError(message: string): Error {
  return Object.assign(new Error(message), { userFacing: true });
}

/** The model as the stream runs it: presentation mode chosen, the readout over each frame. */
export function streamModel(model: Model, mode: "reset" | "continuous"): Model {
  const spec = model.spec;
  const T = spec.presentation.timesteps;
  // As the pipeline does in continuous presentation: a never-reset stream has no transient to
  // skip, so the readout covers every tick of the frame.
  const readout =
    mode === "continuous" ? { ...spec.readout, window: { start: 0, end: T } } : spec.readout;
  return { ...model, spec: { ...spec, presentation: { mode, timesteps: T }, readout } };
}

function checkStreamModel(model: Model, canvas: number): void {
  const spec = model.spec;
  const [c, h, w] = spec.input.shape;
  const want = `[1, ${canvas}, ${canvas}]`;
  if (c !== 1 || h !== canvas || w !== canvas)
    throw userError(
      `${model.source}: input shape [${spec.input.shape.join(", ")}] is not the moving clips' ${want}; ` +
        "evaluate a model trained with models/configs/moving-fashion-srnn.yaml",
    );
  if (spec.input.encoder.type !== "delta")
    throw userError(
      `${model.source}: input encoder "${spec.input.encoder.type}"; moving-fashion-mnist models read the frames through a delta encoder`,
    );
  if (model.labels.length !== MOVING_DIRECTIONS.length)
    throw userError(
      `${model.source}: ${model.labels.length} labels; moving-fashion-mnist has ${MOVING_DIRECTIONS.length} (${MOVING_DIRECTIONS.join(", ")})`,
    );
  if (model.sequenceLength !== null)
    throw userError(`${model.source}: a sequence encoder model cannot read a frame stream`);
}

export async function evaluateMovingStream(opts: MovingEvalOptions): Promise<MovingEvalReport> {
  const t0 = performance.now();
  const loaded = await loadModel(opts.modelDir);
  const canvas = MOVING_DEFAULTS.canvas;
  checkStreamModel(loaded, canvas);
  const mode = opts.presentation ?? loaded.spec.presentation.mode;
  const model = streamModel(loaded, mode === "reset" ? "reset" : "continuous");
  const spec = model.spec;
  const T = spec.presentation.timesteps;
  const scoreFrom = MOVING_EVENT_DEFAULTS.scoreFromFrame;
  // The whole test set's plan (cheap: frames render on demand), of which the first `limit`
  // clips: the same clips as the sample bag's and as training's test_limit.
  const set = loadMovingFashion(
    "test",
    {
      events: {
        ticksPerFrame: T,
        dt: spec.dt,
        encoder: spec.input.encoder as DeltaEncoderSpec,
        scoreFromFrame: scoreFrom,
      },
    },
    opts.dataDir,
  );
  const frames = set.plan.options.frames;
  const clips = Math.min(opts.limit ?? set.count, set.count);

  const net = createNetwork(model);
  const encoder = createEncoder(spec.input.encoder, model.inputShape, spec.dt);
  const bytes = new Uint8Array(canvas * canvas);
  const pixels = new Float32Array(canvas * canvas);
  const scores = new Float64Array(model.outputSize);
  const rightByFrame = new Float64Array(frames);
  const spiking = model.layers.filter((l) => "neuron" in l.spec && isSpikingNeuron(l.spec.neuron));
  const layerSpikes = new Map<number, number>(spiking.map((l) => [l.index, 0]));
  const layerSynops = new Map<number, number>(model.layers.map((l) => [l.index, 0]));
  let synops = 0;
  let inputOps = 0;
  let updates = 0;
  let macs = 0;
  let clipRight = 0;

  for (let i = 0; i < clips; i++) {
    const label = set.plan.clips[i].direction;
    for (let f = 0; f < frames; f++) {
      if (mode === "reset" || (mode === "clip" && f === 0)) {
        net.reset();
        if (!encoder.carriesState) encoder.reset();
      } else {
        net.beginFrame();
      }
      encoder.present(frameTensor(set.renderFrame(i, f, bytes), pixels));
      for (let k = 0; k < T; k++) net.tick(encoder.tick(), encoder.constant);
      net.scores(scores);
      let best = 0;
      for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
      if (best === label) {
        rightByFrame[f]++;
        if (f === frames - 1) clipRight++;
      }
      const counters = net.counters();
      synops += counters.total.synapticOps;
      inputOps += counters.inputOps ?? 0;
      updates += counters.total.neuronUpdates;
      macs += counters.total.annMacs;
      for (const l of counters.layers) {
        if (layerSpikes.has(l.layer))
          layerSpikes.set(l.layer, layerSpikes.get(l.layer)! + l.spikes);
        layerSynops.set(l.layer, (layerSynops.get(l.layer) ?? 0) + l.synapticOps);
      }
    }
    opts.onProgress?.(i + 1, clips);
  }

  const totalFrames = clips * frames;
  let scoredRight = 0;
  for (let f = scoreFrom; f < frames; f++) scoredRight += rightByFrame[f];
  const neurons = spiking.reduce((a, l) => a + l.neurons, 0);
  const spikes = [...layerSpikes.values()].reduce((a, b) => a + b, 0);
  const ticks = totalFrames * T;
  return {
    model: spec.name,
    dataset: "moving-fashion-mnist",
    split: "test",
    clips,
    framesPerClip: frames,
    presentation: mode,
    ticksPerFrame: T,
    dt: spec.dt,
    scoreFromFrame: scoreFrom,
    frameAccuracy: scoredRight / (clips * (frames - scoreFrom)),
    clipAccuracy: clipRight / clips,
    accuracyByFrame: Array.from(rightByFrame, (r) => r / clips),
    chance: 1 / MOVING_DIRECTIONS.length,
    spikesPerNeuronPerStep: neurons > 0 ? spikes / neurons / ticks : 0,
    meanRateHz: neurons > 0 ? spikes / neurons / (ticks * spec.dt) : 0,
    spikesPerFrame: spikes / totalFrames,
    synopsPerFrame: synops / totalFrames,
    inputOpsPerFrame: inputOps / totalFrames,
    neuronUpdatesPerFrame: updates / totalFrames,
    annMacsPerFrame: macs / totalFrames,
    rnnMacsPerFrame: (macs / totalFrames) * T,
    layers: model.layers
      .filter((l) => l.neurons > 0)
      .map((l) => ({
        layer: l.index,
        neurons: l.neurons,
        spikesPerNeuronPerStep: (layerSpikes.get(l.index) ?? 0) / l.neurons / ticks,
        synopsPerFrame: (layerSynops.get(l.index) ?? 0) / totalFrames,
      })),
    seconds: (performance.now() - t0) / 1000,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const count = (x: number) => Math.round(x).toLocaleString("en-US");

export function formatMovingReport(r: MovingEvalReport): string {
  return [
    `${r.model} on ${r.dataset} ${r.split}: ${r.clips} clips of ${r.framesPerClip} frames, ${r.presentation} presentation, ${r.ticksPerFrame} ticks of ${r.dt * 1000} ms per frame, ${r.seconds.toFixed(1)} s`,
    `per frame:     ${pct(r.frameAccuracy)}  (frames ${r.scoreFromFrame}-${r.framesPerClip - 1} of every clip; chance ${pct(r.chance)})`,
    `per clip:      ${pct(r.clipAccuracy)}  (decision at the last frame)`,
    `by frame:      ${r.accuracyByFrame.map((a, f) => `${f}:${(100 * a).toFixed(1)}`).join("  ")}`,
    `spikes:        ${count(r.spikesPerFrame)} per frame; ${r.spikesPerNeuronPerStep.toFixed(4)} spikes/neuron/step = ${r.meanRateHz.toFixed(1)} Hz`,
    `synaptic ops:  ${count(r.synopsPerFrame)} per frame, of which ${count(r.inputOpsPerFrame)} driven by input events`,
    `conventional:  ${count(r.rnnMacsPerFrame)} multiply-accumulates per frame for the same network stepped as an RNN every tick`,
    ...r.layers.map(
      (l) =>
        `layer ${l.layer}: ${l.neurons} neurons, ${l.spikesPerNeuronPerStep.toFixed(4)} spikes/neuron/step, ${count(l.synopsPerFrame)} synops/frame`,
    ),
  ].join("\n");
}
