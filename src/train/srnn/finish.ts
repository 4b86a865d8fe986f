/**
 * After a sequence run (or from its checkpoint): measure the test set with the trained network,
 * then write what the run produced into its directory. srnn: model.json + weights.bin (engine
 * format), tau-distributions.svg/.png, training.json, training-curves.svg/.png. rnn/lstm:
 * baseline.json (accuracy, firing-free MAC counts) for the model cards' comparison.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadAnyCheckpoint, type EpochRecord, type InitProvenance } from "../checkpoint.js";
import { svgToPng } from "../plot.js";
import { carryProvenance } from "../reexport.js";
import type { SequenceTrainConfig } from "./config.js";
import { refreshSiblingCards, writeSequenceCard } from "./card.js";
import { baselineSummary, buildSrnnModel, timeConstantsSvg } from "./export-srnn.js";
import { macsPerStep, planSequenceNetwork, type SequencePlan } from "./recurrent-net.js";
import { streamingSections } from "./streaming.js";
import type { SequenceSet } from "./sequences.js";
import { configSequences, evaluateSequenceSet } from "./train-sequence.js";
import { sequenceCurvesSvg } from "./curves.js";

export interface FinishInput {
  out: string;
  config: SequenceTrainConfig;
  plan: SequencePlan;
  params: Float32Array[];
  history: EpochRecord[];
  dataDir?: string;
  /** Where the parameters came from when not a finished run (e.g. a checkpoint position). */
  checkpoint?: Record<string, unknown>;
  /** The run this one started from (`--init-from`): its epochs come first in the curves. */
  initFrom?: InitProvenance;
  log?: (line: string) => void;
}

/** Test-set figures, the exported model or baseline summary, and the pictures. */
export async function finishSequenceRun(input: FinishInput): Promise<Record<string, unknown>> {
  const { out, config, plan, params, history } = input;
  const say = input.log ?? ((line: string) => process.stdout.write(line + "\n"));
  mkdirSync(out, { recursive: true });
  const { set: test, imageShape, moving } = configSequences(config, "test", input.dataDir);
  const t0 = performance.now();
  const r = evaluateSequenceSet(plan, params, test);
  // Event input: the stream's delta-encoder events, or level-crossing spike-coded sequences.
  const eventInput = moving !== undefined || config.dataset.encoding.spikes !== undefined;
  const events = eventInput && plan.kind === "srnn" ? nonzeroInputsPerSample(test) : 0;
  const key = `${config.dataset.name} test (${test.count}, TF.js forward)`;
  const measured: Record<string, unknown> = {
    accuracy: { [key]: r.accuracy },
    test_loss: r.loss,
    ...(plan.kind === "srnn"
      ? {
          firing_rate: r.firingRate,
          spikes_per_sample: r.spikesPerSample,
          layer_spikes_per_sample: r.layerSpikesPerSample,
          synaptic_events_per_sample: synapticEvents(plan, r.layerSpikesPerSample),
          steps_per_sample: plan.steps,
          // Images read as sequences enter as analog currents: the first layer multiplies them
          // (dense bound; the engine skips zero pixels). A stream's delta-encoder events and
          // level-crossing events are spikes: each one is an accumulate into the first layer.
          ...(eventInput
            ? {
                input_events_per_sample: events,
                input_acs_per_sample: events * plan.hidden[0],
              }
            : { input_macs_per_sample: plan.steps * plan.inputSize * plan.hidden[0] }),
          neuron_updates_per_sample:
            plan.steps * (plan.hidden.reduce((a, b) => a + b, 0) + plan.classes),
        }
      : {}),
    epochs: history.length,
    ...(input.checkpoint ? { checkpoint: input.checkpoint } : {}),
  };
  say(
    `${config.name}: test accuracy ${(100 * r.accuracy).toFixed(2)}% on ${test.count} sequences` +
      (plan.kind === "srnn" ? `, firing rate ${r.firingRate.toFixed(4)} spikes/neuron/step` : "") +
      ` (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
  writeFileSync(join(out, "training.json"), JSON.stringify({ history }, null, 2) + "\n");
  if (history.length) {
    const curves = sequenceCurvesSvg(history, config.name);
    writeFileSync(join(out, "training-curves.svg"), curves);
    await svgToPng(curves, join(out, "training-curves.png"));
  }
  if (plan.kind !== "srnn") {
    const summary = baselineSummary(plan, config, measured);
    writeFileSync(join(out, "baseline.json"), JSON.stringify(summary, null, 2) + "\n");
    say(`wrote ${join(out, "baseline.json")} (${macsPerStep(plan) * plan.steps} MACs per sample)`);
    card(say, () => refreshSiblingCards(out));
    return summary;
  }
  const model = buildSrnnModel({
    config,
    plan,
    params,
    labels: test.classes,
    imageShape,
    history,
    accuracy: measured.accuracy as Record<string, unknown>,
    ...(moving ? streamingSections(config, moving) : {}),
  });
  const prov = model.json.provenance as Record<string, unknown>;
  Object.assign(prov, {
    firing_rate: measured.firing_rate,
    spikes_per_sample: measured.spikes_per_sample,
    layer_spikes_per_sample: measured.layer_spikes_per_sample,
    synaptic_events_per_sample: measured.synaptic_events_per_sample,
    steps_per_sample: measured.steps_per_sample,
    ...(eventInput
      ? {
          input_events_per_sample: measured.input_events_per_sample,
          input_acs_per_sample: measured.input_acs_per_sample,
        }
      : { input_macs_per_sample: measured.input_macs_per_sample }),
    neuron_updates_per_sample: measured.neuron_updates_per_sample,
    ...(input.checkpoint ? { checkpoint: input.checkpoint } : {}),
  });
  // Re-exporting the same weights keeps their creation time and measured accuracies.
  if (carryProvenance(out, model.json, model.weights).sameWeights)
    say(`${out}: same network as before; provenance kept`);
  writeFileSync(join(out, "weights.bin"), model.weights);
  writeFileSync(join(out, "model.json"), JSON.stringify(model.json, null, 2) + "\n");
  const tau = timeConstantsSvg(plan, params, config);
  writeFileSync(join(out, "tau-distributions.svg"), tau);
  await svgToPng(tau, join(out, "tau-distributions.png"));
  say(`exported ${join(out, "model.json")} (${model.weights.length} bytes of weights)`);
  card(say, () => [writeSequenceCard(out)]);
  return measured;
}

/** The model files stand without a card: a card that cannot be written is reported, not fatal. */
function card(say: (line: string) => void, write: () => string[]): void {
  try {
    for (const path of write()) say(`wrote the model card ${path}`);
  } catch (error) {
    say(`model card not written: ${(error as Error).message}`);
  }
}

/**
 * Synaptic events per sample from measured spikes: each hidden spike reaches its fan-out (the
 * next layer or the readout, and its own layer through the recurrent weights).
 */
function synapticEvents(plan: SequencePlan, layerSpikes: number[]): number {
  return plan.hidden.reduce((sum, h, l) => {
    const next = l + 1 < plan.hidden.length ? plan.hidden[l + 1] : plan.classes;
    return sum + layerSpikes[l] * (next + h);
  }, 0);
}

/** Mean count of nonzero inputs (events) per sample over a whole set. */
function nonzeroInputsPerSample(set: SequenceSet): number {
  const x = new Float32Array(set.steps * set.inputSize);
  let events = 0;
  for (let i = 0; i < set.count; i++) {
    set.fill(i, x, 0);
    for (let k = 0; k < x.length; k++) if (x[k] !== 0) events++;
  }
  return set.count > 0 ? events / set.count : 0;
}

/** `spikenode train --export-only` for a sequence checkpoint. */
export async function exportSequenceCheckpoint(out: string, dataDir?: string): Promise<void> {
  const ck = loadAnyCheckpoint(join(out, "checkpoint"));
  const config = ck.meta.config as SequenceTrainConfig;
  const { set } = configSequences(config, "test", dataDir);
  const plan = planSequenceNetwork(config, set.steps, set.inputSize, set.classes.length);
  await finishSequenceRun({
    out,
    config,
    plan,
    params: ck.params,
    history: ck.meta.history,
    dataDir,
    ...(ck.meta.initFrom ? { initFrom: ck.meta.initFrom } : {}),
    // A finished run's checkpoint exports as that run; only a mid-run one is flagged.
    ...(ck.meta.epoch < config.training.epochs
      ? {
          checkpoint: {
            epoch: ck.meta.epoch,
            batch: ck.meta.batch,
            of_epochs: config.training.epochs,
          },
        }
      : {}),
  });
}
