/**
 * Event decoding throughput, one core: `npx tsx src/bench/events.ts` (or, after `npm run build`,
 * `node dist/bench/events.js`); prints JSON. Options: --seconds S per case (default 2), --quick.
 *
 * Cases: the evt3, libcaer and mono recordings event_camera_codecs ships (test/fixtures/events/),
 * and synthetic evt3 streams written by our Evt3Writer at 1280×720 — one of lone events (ADDR_X
 * words only), one with runs of neighbours (VECT_12 words) — cut into packets of about 1 ms.
 * Each case decodes all its packets in a pass, repeatedly, into one reused batch; the figure is
 * the median pass, as CD events per second of wall-clock and of this process's CPU time.
 */
import { fileURLToPath } from "node:url";
import { openBag } from "../bag/index.js";
import { EventBatch, EventStreamDecoder, Evt3Writer } from "../events/index.js";
import type { EventPacketLike } from "../events/index.js";
import type { EventPacket } from "../messages/index.js";
import { machine } from "./measure.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const secondsArg = args.indexOf("--seconds");
const secondsPerCase = secondsArg >= 0 ? Number(args[secondsArg + 1]) : quick ? 0.5 : 2;
const fixtures = fileURLToPath(new URL("../../test/fixtures/events/", import.meta.url));

interface CaseResult {
  name: string;
  encoding: string;
  packets: number;
  eventsPerPass: number;
  bytesPerPass: number;
  passes: number;
  medianPassMs: number;
  eventsPerSecond: number;
  megabytesPerSecond: number;
  /** This process's CPU time per pass: on a shared machine, closer to the uncontended figure. */
  medianPassCpuMs: number;
  eventsPerCpuSecond: number;
}

function bench(name: string, packets: EventPacketLike[]): CaseResult {
  const stream = new EventStreamDecoder();
  let events = 0;
  const bytes = packets.reduce((a, p) => a + p.events.byteLength, 0);
  const pass = (): number => {
    let n = 0;
    for (const p of packets) {
      stream.decode(p);
      n += stream.batch.count;
    }
    return n;
  };
  for (let i = 0; i < 3; i++) events = pass(); // warm up the JIT
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const until = performance.now() + secondsPerCase * 1000;
  while (performance.now() < until || times.length < 5) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const n = pass();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
    if (n !== events) throw new Error(`${name}: a pass decoded ${n} events, the first ${events}`);
  }
  const median = medianOf(times);
  const cpuMedian = medianOf(cpuTimes);
  return {
    name,
    encoding: packets[0].encoding,
    packets: packets.length,
    eventsPerPass: events,
    bytesPerPass: bytes,
    passes: times.length,
    medianPassMs: median,
    eventsPerSecond: Math.round(events / (median / 1000)),
    megabytesPerSecond: bytes / 1e6 / (median / 1000),
    medianPassCpuMs: cpuMedian,
    eventsPerCpuSecond: Math.round(events / (cpuMedian / 1000)),
  };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function bagPackets(dir: string): Promise<EventPacket[]> {
  const bag = await openBag(`${fixtures}${dir}`);
  try {
    const [topic] = bag.topics();
    const codec = bag.codecFor(topic.name);
    const out: EventPacket[] = [];
    for await (const m of bag.messages()) out.push(codec.decode(m.data) as EventPacket);
    return out;
  } finally {
    await bag.close();
  }
}

/** A deterministic scene: `rate` events per µs, lone or in runs of up to 12 neighbours. */
function syntheticEvt3(total: number, runs: boolean): EventPacketLike[] {
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const perPacket = 20_000; // ~1 ms of a 20 M events/s scene
  const writer = new Evt3Writer();
  const packets: EventPacketLike[] = [];
  let t = 0;
  const x = new Uint16Array(perPacket);
  const y = new Uint16Array(perPacket);
  const p = new Uint8Array(perPacket);
  const tUs = new Float64Array(perPacket);
  for (let done = 0; done < total; done += perPacket) {
    let k = 0;
    while (k < perPacket) {
      if (rand() < 0.05) t += 1;
      const row = Math.floor(rand() * 720);
      const pol = rand() < 0.5 ? 1 : 0;
      const run = runs ? 1 + Math.floor(rand() * 12) : 1;
      let col = Math.floor(rand() * (1280 - 24));
      for (let r = 0; r < run && k < perPacket; r++, k++) {
        x[k] = col;
        col += 1 + (rand() < 0.2 ? 1 : 0);
        y[k] = row;
        p[k] = pol;
        tUs[k] = t;
      }
    }
    const events = writer.encode({ count: k, x, y, polarity: p, tUs });
    packets.push({
      width: 1280,
      height: 720,
      time_base: 0n,
      encoding: "evt3",
      is_bigendian: false,
      events,
    });
  }
  return packets;
}

async function main(): Promise<void> {
  const total = quick ? 1_000_000 : 4_000_000;
  const cases = [
    bench("evt3 synthetic, lone events (ADDR_X)", syntheticEvt3(total, false)),
    bench("evt3 synthetic, runs of neighbours (VECT_12)", syntheticEvt3(total, true)),
    bench("evt3 recording (test_data_evt3_trigger)", await bagPackets("test_data_evt3_trigger")),
    bench(
      "libcaer recording (test_data_libcaer_rollover)",
      await bagPackets("test_data_libcaer_rollover"),
    ),
    bench("mono recording (test_data_mono_cd)", await bagPackets("test_data_mono_cd")),
  ];
  const batch = new EventBatch();
  const report = {
    machine: machine(),
    note:
      "one core, median pass over all packets of a case, decoded into one reused struct-of-arrays " +
      "batch (x, y: Uint16Array, polarity: Uint8Array, ns offsets: Float64Array)",
    target: { encoding: "evt3", eventsPerSecond: 50_000_000 },
    secondsPerCase,
    bytesPerEventInBatch: batch.x.BYTES_PER_ELEMENT * 2 + 1 + 8,
    cases,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`events bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
