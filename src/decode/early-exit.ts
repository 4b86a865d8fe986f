/**
 * Early exit: stop a presentation once the leading class has kept its lead long enough.
 *
 * Fed after every tick with the running readout (e.g. spike counts so far in the window). A tick
 * "holds" when the leader is strictly ahead of the runner-up by at least `margin` (in the
 * readout's own units: spikes for spike_count) and is the same class as on the previous tick.
 * The policy stops once `holdTicks` consecutive ticks held and at least `minTicks` ticks ran.
 */
export interface EarlyExitOptions {
  /** Never stop before this many ticks. Default 1. */
  minTicks?: number;
  /** Lead over the runner-up, in readout units. Default 0 (any strict lead). */
  margin?: number;
  /** Consecutive ticks the lead must hold (k). Default 1. */
  holdTicks?: number;
}

export class EarlyExitPolicy {
  readonly minTicks: number;
  readonly margin: number;
  readonly holdTicks: number;
  /** Class leading on the last tick (-1 when none leads by the margin). */
  leader = -1;
  /** Consecutive ticks the current leader has held. */
  held = 0;
  /** Ticks seen since reset. */
  ticks = 0;
  /** The tick count at which the policy said stop; undefined while running. */
  stoppedAt: number | undefined;

  constructor(options: EarlyExitOptions = {}) {
    this.minTicks = options.minTicks ?? 1;
    this.margin = options.margin ?? 0;
    this.holdTicks = options.holdTicks ?? 1;
    if (!Number.isInteger(this.minTicks) || this.minTicks < 0) {
      throw new RangeError(
        `early exit: minTicks is ${this.minTicks}; it must be a non-negative integer`,
      );
    }
    if (!(this.margin >= 0) || !Number.isFinite(this.margin)) {
      throw new RangeError(
        `early exit: margin is ${this.margin}; it must be a non-negative number`,
      );
    }
    if (!Number.isInteger(this.holdTicks) || this.holdTicks < 1) {
      throw new RangeError(
        `early exit: holdTicks is ${this.holdTicks}; it must be a positive integer`,
      );
    }
  }

  reset(): void {
    this.leader = -1;
    this.held = 0;
    this.ticks = 0;
    this.stoppedAt = undefined;
  }

  /** Feed the running readout after one more tick; true means stop now. */
  update(running: ArrayLike<number>): boolean {
    if (this.stoppedAt !== undefined) return true;
    this.ticks++;
    let best = -1;
    let first = -Infinity;
    let second = -Infinity;
    for (let i = 0; i < running.length; i++) {
      const v = running[i];
      if (v > first) {
        second = first;
        first = v;
        best = i;
      } else if (v > second) {
        second = v;
      }
    }
    const lead = first - second;
    const leads = best >= 0 && lead > 0 && lead >= this.margin;
    if (!leads) {
      this.leader = -1;
      this.held = 0;
    } else if (best === this.leader) {
      this.held++;
    } else {
      this.leader = best;
      this.held = 1;
    }
    if (this.held >= this.holdTicks && this.ticks >= this.minTicks) {
      this.stoppedAt = this.ticks;
      return true;
    }
    return false;
  }

  /** Ticks used: where it stopped, or every tick seen when it never did. */
  get timestepsUsed(): number {
    return this.stoppedAt ?? this.ticks;
  }
}

/**
 * The command line's early-exit policy: `margin:hold` or `margin:hold:min` (lead over the
 * runner-up in readout units, ticks it must hold, ticks before which it never stops), e.g.
 * `1:10`. One syntax for replay, bench, infer and run. Throws RangeError naming the text.
 */
export function parseEarlyExit(text: string): EarlyExitOptions {
  const parts = text.split(":");
  const numbers = parts.map((p) => (p.trim() === "" ? NaN : Number(p)));
  const [margin, holdTicks, minTicks] = numbers;
  const ok =
    (parts.length === 2 || parts.length === 3) &&
    Number.isFinite(margin) &&
    margin >= 0 &&
    Number.isInteger(holdTicks) &&
    holdTicks >= 1 &&
    (minTicks === undefined || (Number.isInteger(minTicks) && minTicks >= 0));
  if (!ok) {
    throw new RangeError(
      `--early-exit ${text}: give margin:hold or margin:hold:min (lead over the runner-up in readout units >= 0, ticks it must hold >= 1, ticks before which it never stops), e.g. 1:10`,
    );
  }
  return minTicks === undefined ? { margin, holdTicks } : { margin, holdTicks, minTicks };
}
