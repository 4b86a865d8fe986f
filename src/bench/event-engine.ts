/**
 * "Engine cost grows with events, not pixels": `npx tsx src/bench/event-engine.ts` (or
 * `npm run bench -- --event-engine`, or after `npm run build`, `node dist/bench/event-engine.js`);
 * prints JSON. Options: --quick (shorter streams), --sizes 34,128, --rates 1e5,1e6,1e7.
 *
 * For each sensor side S and event rate: synthetic events (uniform over S×S and both
 * polarities, evenly spaced, 1 ms packets) binned by the node's EventBinner into 1 ms ticks of a
 * [2, S, S] input and ticked through the NIR-paper-like CSNN of src/bench/event-engine-model.ts
 * (fast engine, one core, continuous: one long simulation). Figures per case, medians of the
 * timed passes: realtime factor (sensor seconds per wall second, and per CPU second of this
 * process), ns per event, µs per tick, firing rates per layer, synaptic operations per event.
 *
 * Per size, a least-squares line through the cases, µs per tick = fixed + ns per event ·
 * events per tick / 1000, splits the cost into what every tick pays (neuron updates: it grows
 * with the network, which grows with the pixels) and what each event adds (its fan-out and the
 * spikes it causes).
 */
import { machine } from "./measure.js";
import {
  EventStreamRunner,
  eventNetShape,
  makeEventNetModel,
  syntheticEventStream,
} from "./event-engine-model.js";

function listArg(args: string[], flag: string, fallback: number[]): number[] {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const values = (args[i + 1] ?? "").split(",").map(Number);
  if (values.length === 0 || values.some((v) => !(v > 0)))
    throw new Error(`${flag} takes comma-separated positive numbers, got "${args[i + 1]}"`);
  return values;
}

const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];

function benchCase(size: number, rate: number, quick: boolean) {
  // About 2 M events (at most 1 s, at least 0.1 s of sensor time) per pass.
  const seconds = Math.min(1, Math.max(0.1, 2e6 / rate)) * (quick ? 0.2 : 1);
  const runner = new EventStreamRunner(makeEventNetModel(size));
  const packets = syntheticEventStream(size, rate, seconds);
  runner.run(packets.slice(0, Math.max(1, packets.length >> 2))); // warm up the JIT
  const wall: number[] = [];
  const cpu: number[] = [];
  let run = runner.run(packets.slice(0, 1));
  for (let k = 0; k < (quick ? 1 : 3); k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run = runner.run(packets);
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  const w = median(wall);
  const c = median(cpu);
  const shape = eventNetShape(size);
  const sensorSeconds = run.ticks / 1000;
  return {
    sensor: `${size}x${size}`,
    input: [2, size, size],
    neurons: shape.neurons.reduce((a, b) => a + b, 0),
    eventsPerSecond: rate,
    sensorSeconds,
    events: run.events,
    ticks: run.ticks,
    passes: wall.length,
    medianWallSeconds: +w.toFixed(4),
    medianCpuSeconds: +c.toFixed(4),
    realtimeFactor: +(sensorSeconds / w).toFixed(3),
    realtimeFactorCpu: +(sensorSeconds / c).toFixed(3),
    nsPerEvent: Math.round((w * 1e9) / run.events),
    usPerTick: +((w * 1e6) / run.ticks).toFixed(2),
    eventsPerTick: run.events / run.ticks,
    spikesPerNeuronPerTick: run.layerSpikes.map(
      (s, k) => +(s / shape.neurons[k] / run.ticks).toFixed(5),
    ),
    synapticOpsPerEvent: +(run.synapticOps / run.events).toFixed(1),
    inputOpsPerEvent: +(run.inputOps / run.events).toFixed(1),
    checksum: run.checksum,
  };
}

type Case = ReturnType<typeof benchCase>;

/** Least squares of µs per tick against events per tick, over one size's cases. */
export function costSplit(cases: readonly Pick<Case, "eventsPerTick" | "usPerTick">[]): {
  fixedUsPerTick: number;
  marginalNsPerEvent: number;
} {
  const n = cases.length;
  const mx = cases.reduce((a, c) => a + c.eventsPerTick, 0) / n;
  const my = cases.reduce((a, c) => a + c.usPerTick, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const c of cases) {
    sxy += (c.eventsPerTick - mx) * (c.usPerTick - my);
    sxx += (c.eventsPerTick - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return {
    fixedUsPerTick: +(my - slope * mx).toFixed(2),
    marginalNsPerEvent: Math.round(slope * 1000),
  };
}

export function eventEngineBench(args: string[]): void {
  const quick = args.includes("--quick");
  const sizes = listArg(args, "--sizes", [34, 128]);
  const rates = listArg(args, "--rates", [1e5, 1e6, 1e7]);
  const results: Case[] = [];
  for (const size of sizes)
    for (const rate of rates) {
      process.stderr.write(`event-engine: ${size}x${size} at ${rate} events/s\n`);
      results.push(benchCase(size, rate, quick));
    }
  const split = sizes.map((size) => ({
    sensor: `${size}x${size}`,
    ...costSplit(results.filter((r) => r.input[1] === size)),
  }));
  const report = {
    benchmark: "event-engine",
    machine: machine(),
    network:
      "[2,S,S] conv16@5x5 p1 → avgpool2 → conv16@5x5 p1 → avgpool2 → dense128 → dense10, IF (threshold 1), seeded zero-mean weights; fast engine, one core, 1 ms ticks from EventBinner",
    note: "realtimeFactor: sensor seconds per wall second (≥ 1 keeps up); nsPerEvent: wall time per event, binning included; costSplit: µs per tick = fixed + marginal · events per tick",
    results,
    costSplit: split,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

const self = process.argv[1] ?? "";
if (/event-engine\.(ts|js)$/.test(self)) eventEngineBench(process.argv.slice(2));
