import type { Command } from "commander";
import type { Model } from "../../snn/index.js";
import type { CommandModule } from "./index.js";

export const infoCommand: CommandModule = {
  name: "info",
  summary: "Describe a model: layers, neurons, synapses, parameters.",
  configure(command: Command) {
    command
      .argument("<model-dir>", "directory holding model.json and its weights, or a .nir file")
      .option("--dt <s>", "with a .nir model: the step NIR leaves open, in seconds (default 1e-4)")
      .option("--json", "print JSON", false);
  },
  async load() {
    return async (_command: Command, dir: unknown, opts: unknown) => {
      const { loadModelFrom, dtOption } = await import("../model-source.js");
      const { annMacsOf } = await import("../../snn/topology.js");
      const model = await loadModelFrom(String(dir), {
        dt: await dtOption((opts as { dt?: string }).dt),
      });
      const layers = model.layers.map((l) => {
        const spec = l.spec;
        const params =
          (l.weights?.length ?? 0) +
          (l.bias?.length ?? 0) +
          (l.recurrentWeights?.length ?? 0) +
          // Per-neuron values from the weights file (a uniform number is one field, not n values).
          Object.values(l.neuronTensors).reduce(
            (sum, t) => sum + (t instanceof Float32Array ? t.length : 0),
            0,
          );
        const neuron = "neuron" in spec ? spec.neuron : undefined;
        const synapse = "synapse" in spec ? spec.synapse : undefined;
        return {
          index: l.index,
          type: spec.type,
          in: l.inShape,
          out: l.outShape,
          neurons: l.neurons,
          synapses: spec.type === "avgpool2d" || spec.type === "sumpool2d" ? 0 : annMacsOf(l),
          parameters: params,
          neuron:
            neuron &&
            Object.fromEntries(Object.entries(neuron).filter(([, v]) => typeof v !== "object")),
          synapse,
        };
      });
      const sum = (k: "neurons" | "synapses" | "parameters") =>
        layers.reduce((a, l) => a + l[k], 0);
      const s = model.spec;
      const info = {
        name: s.name,
        description: s.description,
        source: model.source,
        dt: s.dt,
        input: {
          shape: model.inputShape,
          encoder: s.input.encoder,
          /** What the first layer reads per tick, and the ticks per image a sequence encoder fixes. */
          perTick: model.encodedShape,
          sequenceLength: model.sequenceLength,
          encoding: describeEncoder(model),
          preprocess: s.input.preprocess,
        },
        presentation: s.presentation,
        readout: s.readout,
        labels: s.labels,
        provenance: s.provenance,
        layers,
        totals: {
          neurons: sum("neurons"),
          synapses: sum("synapses"),
          parameters: sum("parameters"),
        },
      };
      if ((opts as { json?: boolean }).json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      const lines = [
        `${s.name}${s.description ? ` — ${s.description}` : ""}`,
        `input [${model.inputShape.join(", ")}], encoder ${JSON.stringify(s.input.encoder)}`,
        `  ${info.input.encoding}`,
        `dt ${s.dt * 1000} ms, ${s.presentation.timesteps} ticks per frame (${s.presentation.mode}), readout ${s.readout.type}`,
        `labels (${s.labels.length}): ${s.labels.join(", ")}`,
        "",
        ...layers.map(
          (l) =>
            `${String(l.index).padStart(2)} ${l.type.padEnd(15)} [${l.in.join(",")}] -> [${l.out.join(",")}]` +
            (l.neurons
              ? `  ${l.neurons} neurons, ${l.synapses} synapses, ${l.parameters} parameters, ${JSON.stringify(l.neuron)}`
              : "") +
            (l.synapse && l.synapse.type !== "none"
              ? `, synapse ${JSON.stringify(l.synapse)}`
              : ""),
        ),
        "",
        `total: ${info.totals.neurons} neurons, ${info.totals.synapses} synapses, ${info.totals.parameters} parameters`,
        `provenance: ${JSON.stringify(s.provenance)}`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    };
  },
};

/** The spike coding of a sequence encoder, when it has one. */
function levelCrossing(spikes: { levels: number; amplitude: number } | undefined): string {
  return spikes
    ? `, sent as level-crossing ON/OFF events at ${spikes.levels} level(s) (${2 * spikes.levels} lines per value, amplitude ${spikes.amplitude})`
    : "";
}

/** One line on how an image becomes input current, tick by tick. */
function describeEncoder(model: Model): string {
  const e = model.spec.input.encoder;
  const [c, h, w] = model.inputShape;
  const J = (gain: number, bias: number) => `J = ${gain}·x${bias === 0 ? "" : ` + ${bias}`}`;
  switch (e.type) {
    case "constant":
      return `constant current ${J(e.gain, e.bias)} per pixel, the same every tick`;
    case "poisson":
      return `Poisson spikes per pixel at x·${e.max_rate} Hz, each injecting ${e.amplitude}/dt`;
    case "delta":
      return `event-camera emulation: ON/OFF events per pixel when log(x + ${e.epsilon}) moves by ${e.threshold}, injected on a frame's first tick`;
    case "rows":
      return (
        `sequence: one image row per tick, top to bottom (${h} rows` +
        (e.ticks_per_row > 1 ? ` × ${e.ticks_per_row} ticks each` : "") +
        ` = ${model.sequenceLength} ticks), ${c * w} values per tick (channel-major), ${J(e.gain, e.bias)}` +
        levelCrossing(e.spikes)
      );
    case "pixel_windows":
      return (
        `sequence: the flattened image read ${e.window} pixels at a time, stride ${e.stride} (ceil(${c * h * w}/${e.stride}) = ${model.sequenceLength} ticks, zero-padded at the end), ${J(e.gain, e.bias)}` +
        levelCrossing(e.spikes)
      );
    case "events":
      return (
        `event camera: events binned per tick of dt by their timestamps into ${c}×${h}×${w} counts (OFF, ON)` +
        `${e.gain === 1 ? "" : ` × ${e.gain}`}, ${e.roi === undefined ? "centred" : `${e.roi.width}×${e.roi.height} at (${e.roi.x}, ${e.roi.y})`} sensor ROI` +
        `${e.downsample > 1 ? ` down-sampled ${e.downsample}×` : ""}${e.refractory > 0 ? `, refractory ${e.refractory} s` : ""}`
      );
    case "external":
      return `external: the caller supplies ${c * h * w} values (spikes or currents) per tick, e.g. infer --sequence with [N, T, ${c}, ${h}, ${w}] float32; default length ${model.spec.presentation.timesteps} ticks`;
  }
}
