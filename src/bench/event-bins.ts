/**
 * Event binning throughput, one core: `npx tsx src/bench/event-bins.ts` (or, after
 * `npm run build`, `node dist/bench/event-bins.js`); prints JSON. Options: --seconds S per case
 * (default 2), --quick.
 *
 * One second of synthetic events at 1280×720 (1 M events, uniform pixels and polarities, times
 * 1 µs apart) cut into 1 ms packets, binned by EventBinner into 1 ms ticks of a [2, 34, 34]
 * input (centred 680×680 ROI, downsample 20), with and without the refractory filter. The
 * figure is the median pass, as events per second of wall-clock and of this process's CPU time.
 */
import { centeredRoi, EventBinner, type EventColumns } from "../encode/event-bins.js";
import { machine } from "./measure.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const secondsArg = args.indexOf("--seconds");
const secondsPerCase = secondsArg >= 0 ? Number(args[secondsArg + 1]) : quick ? 0.5 : 2;

const EVENTS = 1_000_000;
const PER_PACKET = 1000;
const BASE = 1_700_000_000_000_000_000n;

/** Packets as a decoder leaves them: columns, a base per packet, ns offsets. */
function syntheticPackets(): EventColumns[] {
  let seed = 12345;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const packets: EventColumns[] = [];
  for (let start = 0; start < EVENTS; start += PER_PACKET) {
    const x = new Uint16Array(PER_PACKET);
    const y = new Uint16Array(PER_PACKET);
    const polarity = new Uint8Array(PER_PACKET);
    const tOffsetNs = new Float64Array(PER_PACKET);
    for (let i = 0; i < PER_PACKET; i++) {
      const r = next();
      x[i] = r % 1280;
      y[i] = (r >>> 11) % 720;
      polarity[i] = (r >>> 31) & 1;
      tOffsetNs[i] = i * 1000;
    }
    packets.push({
      baseNs: BASE + BigInt(start) * 1000n,
      count: PER_PACKET,
      x,
      y,
      polarity,
      tOffsetNs,
    });
  }
  return packets;
}

function bench(name: string, packets: EventColumns[], refractoryNs: number) {
  let ticks = 0;
  let checksum = 0;
  const binner = new EventBinner({
    dtNs: 1_000_000,
    roi: centeredRoi(1280, 720, 34, 34, 20),
    downsample: 20,
    refractoryNs,
    onTick: (counts) => {
      ticks++;
      checksum += counts[0];
    },
  });
  const pass = (): void => {
    binner.reset();
    for (const p of packets) binner.push(p);
    binner.flush();
  };
  for (let i = 0; i < 3; i++) pass(); // warm up the JIT
  const times: number[] = [];
  const cpu: number[] = [];
  const until = performance.now() + secondsPerCase * 1000;
  while (performance.now() < until || times.length < 5) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    pass();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];
  const ms = median(times);
  const cpuMs = median(cpu);
  const s = binner.stats;
  return {
    name,
    events: s.events,
    accepted: s.accepted,
    refractoryDropped: s.refractory,
    ticksPerPass: s.ticks,
    passes: times.length,
    medianPassMs: +ms.toFixed(3),
    eventsPerSecond: Math.round(EVENTS / (ms / 1000)),
    medianPassCpuMs: +cpuMs.toFixed(3),
    eventsPerCpuSecond: Math.round(EVENTS / (cpuMs / 1000)),
    checksum: checksum + ticks, // keeps the sink's work observable
  };
}

const packets = syntheticPackets();
const results = [
  bench("1280x720 → 2x34x34, 1 ms ticks", packets, 0),
  bench("same, refractory 1 ms", packets, 1_000_000),
];
process.stdout.write(
  `${JSON.stringify({ benchmark: "event-bins", machine: machine(), results }, null, 2)}\n`,
);
