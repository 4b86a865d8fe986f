import { describe, expect, it } from "vitest";
import { TestScheduler } from "rxjs/testing";
import { Observable, Subject, of, throwError, type ObservableInput } from "rxjs";
import fc from "fast-check";
import { latestWins, type DropCause } from "../../src/stream/latest-wins.js";

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Work that takes `frames` virtual frames per item and emits the item upper-cased. */
function slowWork(cold: TestScheduler["createColdObservable"], frames: number) {
  const marble = `${"-".repeat(frames - 1)}(r|)`;
  return (item: string): Observable<string> =>
    new Observable<string>((sub) => cold(marble, { r: item.toUpperCase() }).subscribe(sub));
}

describe("latestWins (marble)", () => {
  it("passes every item through when work keeps up, in order", () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot("a---b---c---|");
      const out = source.pipe(latestWins(slowWork(cold, 2), { capacity: 1 }));
      expectObservable(out).toBe("-A---B---C--|");
    });
  });

  it("lets the newest waiting frame win when work is slow (capacity 1)", () => {
    const dropped: string[] = [];
    scheduler().run(({ cold, hot, expectObservable, flush }) => {
      const source = hot("abcd|");
      const out = source.pipe(
        latestWins(slowWork(cold, 10), { capacity: 1, onDrop: (x) => dropped.push(x) }),
      );
      // a starts at once; b, then c, wait and are displaced; d waits and runs after a.
      expectObservable(out).toBe("---------A--------(D|)");
      flush();
    });
    expect(dropped).toEqual(["b", "c"]);
  });

  it("keeps at most `capacity` waiting frames, dropping the oldest, and counts every frame", () => {
    const dropped: [string, DropCause][] = [];
    let started = 0;
    scheduler().run(({ cold, hot, expectObservable, flush }) => {
      const source = hot("abcdef|");
      const out = source.pipe(
        latestWins(slowWork(cold, 10), {
          capacity: 2,
          onDrop: (x, cause) => dropped.push([x, cause]),
          onStart: () => (started += 1),
        }),
      );
      // a runs; b..f arrive while it runs: only e and f are left waiting.
      expectObservable(out).toBe("---------A--------E--------(F|)");
      flush();
    });
    expect(dropped).toEqual([
      ["b", "overflow"],
      ["c", "overflow"],
      ["d", "overflow"],
    ]);
    expect(started).toBe(3);
    expect(started + dropped.length).toBe(6);
  });

  it("drains waiting frames after the source completes", () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot("ab|");
      const out = source.pipe(latestWins(slowWork(cold, 3), { capacity: 4 }));
      expectObservable(out).toBe("--A-(B|)");
    });
  });

  it("keeps order: results come out in arrival order of the frames that ran", () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot("a-b-c-d-e-f-|");
      const out = source.pipe(latestWins(slowWork(cold, 3), { capacity: 8 }));
      expectObservable(out).toBe("--A-B-C-D-E-(F|)");
    });
  });

  it("passes a failed item on as a value and goes on with the next (error events)", () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot("a-x-b-|");
      const work = (item: string): Observable<string> =>
        item === "x" ? cold("-(e|)", { e: "error:x" }) : cold("-(r|)", { r: item.toUpperCase() });
      const out = source.pipe(latestWins(work, { capacity: 1 }));
      expectObservable(out).toBe("-A-e-B|", { A: "A", B: "B", e: "error:x" });
    });
  });

  it("propagates an error thrown by work itself and reports the waiting frames as dropped", () => {
    const dropped: [string, DropCause][] = [];
    scheduler().run(({ cold, hot, expectObservable, flush }) => {
      const source = hot("ab--");
      const work = (item: string): ObservableInput<string> =>
        item === "a" ? cold("--#", undefined, new Error("boom")) : of(item);
      const out = source.pipe(
        latestWins(work, { capacity: 1, onDrop: (x, c) => dropped.push([x, c]) }),
      );
      expectObservable(out).toBe("--#", undefined, new Error("boom"));
      flush();
    });
    expect(dropped).toEqual([["b", "unsubscribed"]]);
  });

  it("reports waiting frames as dropped when the subscriber leaves", () => {
    const dropped: string[] = [];
    scheduler().run(({ cold, hot, expectObservable, flush }) => {
      const source = hot("abc------");
      const out = source.pipe(
        latestWins(slowWork(cold, 5), { capacity: 2, onDrop: (x) => dropped.push(x) }),
      );
      expectObservable(out, "^--!").toBe("");
      flush();
    });
    expect(dropped).toEqual(["b", "c"]);
  });

  it("completes at once for an empty source and refuses a capacity below 1", () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("|").pipe(latestWins((x) => of(x), { capacity: 1 }))).toBe("|");
    });
    expect(() => latestWins((x) => of(x), { capacity: 0 })).toThrow(/capacity/);
  });

  it("handles synchronous work without recursion, for many items", () => {
    const out: number[] = [];
    const n = 100_000;
    const src = new Subject<number>();
    src.pipe(latestWins((x: number) => of(x), { capacity: 1 })).subscribe((x) => out.push(x));
    for (let i = 0; i < n; i++) src.next(i);
    src.complete();
    expect(out.length).toBe(n);
  });

  it("does not swallow errors from work that throws synchronously", () => {
    const src = new Subject<number>();
    let caught: unknown;
    src
      .pipe(latestWins(() => throwError(() => new Error("sync")), { capacity: 1 }))
      .subscribe({ error: (e: unknown) => (caught = e) });
    src.next(1);
    expect((caught as Error).message).toBe("sync");
  });
});

describe("latestWins (property)", () => {
  it("every frame is either worked on or dropped, never both, and work sees arrival order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 6 })), {
          minLength: 0,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 5 }),
        (plan, capacity) => {
          // plan[i] = [gap before item i, work duration of item i] in virtual frames
          const started: number[] = [];
          const dropped: number[] = [];
          const emitted: number[] = [];
          const ts = scheduler();
          ts.run(({ cold, hot, flush }) => {
            let marble = "";
            const values: Record<string, number> = {};
            plan.forEach(([gap], i) => {
              const key = String.fromCharCode(0x4e00 + i);
              marble += "-".repeat(gap) + key;
              values[key] = i;
            });
            const source = hot(marble + "-|", values);
            source
              .pipe(
                latestWins((i: number) => cold(`${"-".repeat(plan[i][1] - 1)}(r|)`, { r: i }), {
                  capacity,
                  onStart: (i) => started.push(i),
                  onDrop: (i) => dropped.push(i),
                }),
              )
              .subscribe((i) => emitted.push(i));
            flush();
          });
          const all = [...started, ...dropped].sort((a, b) => a - b);
          expect(all).toEqual(plan.map((_, i) => i));
          expect(emitted).toEqual(started);
          expect([...started].sort((a, b) => a - b)).toEqual(started);
        },
      ),
      { numRuns: 200 },
    );
  });
});
