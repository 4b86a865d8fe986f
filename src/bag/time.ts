/** builtin_interfaces/Time ↔ nanoseconds since the epoch (bag timestamps). */
import type { Time } from "../messages/index.js";

export function stampToNanoseconds(stamp: Time): bigint {
  return BigInt(stamp.sec) * 1_000_000_000n + BigInt(stamp.nanosec);
}

export function nanosecondsToStamp(ns: bigint): Time {
  const sec = ns / 1_000_000_000n;
  let nanosec = ns % 1_000_000_000n;
  let s = sec;
  if (nanosec < 0n) {
    nanosec += 1_000_000_000n;
    s -= 1n;
  }
  return { sec: Number(s), nanosec: Number(nanosec) };
}
