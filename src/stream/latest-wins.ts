/**
 * Back-pressure for a stage that can take one item at a time: the newest items win.
 *
 * One item is in `work` at a time. Items that arrive meanwhile wait in a FIFO queue of at most
 * `capacity`; when it is full the oldest waiting item is dropped so the newest can wait instead
 * (a camera's stale frame is worth less than its latest). Nothing accepted is lost silently:
 * every item either goes through `work` or is reported to `onDrop` (on overflow, or when the
 * subscriber leaves while it still waits). When the source completes, the queue is drained
 * before the output completes.
 *
 * Pure RxJS and independent of what `work` does, so it can be marble-tested on its own.
 */
import {
  Observable,
  from,
  type ObservableInput,
  type OperatorFunction,
  type Subscription,
} from "rxjs";

export type DropCause = "overflow" | "unsubscribed";

export interface LatestWinsOptions<T> {
  /** Items that may wait while one is in work; at least 1. */
  capacity: number;
  /** Called for each item that will never reach `work`. */
  onDrop?: (item: T, cause: DropCause) => void;
  /** Called when an item leaves the queue for `work` (for queue-time measurements). */
  onStart?: (item: T) => void;
  /** Called whenever the number of waiting items changes. */
  onQueueLength?: (waiting: number, busy: boolean) => void;
}

export function latestWins<T, R>(
  work: (item: T) => ObservableInput<R>,
  options: LatestWinsOptions<T>,
): OperatorFunction<T, R> {
  const { capacity, onDrop, onStart, onQueueLength } = options;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(
      `latestWins: capacity must be an integer of at least 1 (got ${String(capacity)}); ` +
        "use 1 to keep only the latest waiting item.",
    );
  }
  return (source) =>
    new Observable<R>((subscriber) => {
      // A ring buffer: no shifting of arrays, no allocation per item.
      const ring: (T | undefined)[] = new Array<T | undefined>(capacity);
      let head = 0;
      let waiting = 0;
      let busy = false;
      let pumping = false;
      let sourceDone = false;
      let inner: Subscription | undefined;

      const enqueue = (item: T): void => {
        ring[(head + waiting) % capacity] = item;
        waiting += 1;
      };
      const dequeue = (): T => {
        const item = ring[head] as T;
        ring[head] = undefined;
        head = (head + 1) % capacity;
        waiting -= 1;
        return item;
      };
      const report = (): void => onQueueLength?.(waiting, busy);

      const finishIfDone = (): void => {
        if (sourceDone && !busy && waiting === 0) subscriber.complete();
      };

      // Iterative, so that work finishing synchronously does not recurse once per item.
      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        try {
          while (!busy && waiting > 0 && !subscriber.closed) {
            const item = dequeue();
            busy = true;
            report();
            onStart?.(item);
            let sync = true;
            let finishedSync = false;
            const sub = from(work(item)).subscribe({
              next: (value) => subscriber.next(value),
              error: (err: unknown) => subscriber.error(err),
              complete: () => {
                inner = undefined;
                busy = false;
                report();
                if (sync) finishedSync = true;
                else {
                  pump();
                  finishIfDone();
                }
              },
            });
            sync = false;
            if (!finishedSync && busy) inner = sub;
          }
        } finally {
          pumping = false;
        }
        finishIfDone();
      };

      const sourceSub = source.subscribe({
        next: (item) => {
          if (waiting === capacity) {
            onDrop?.(dequeue(), "overflow");
          }
          enqueue(item);
          report();
          pump();
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          pump();
        },
      });

      return () => {
        sourceSub.unsubscribe();
        inner?.unsubscribe();
        inner = undefined;
        while (waiting > 0) onDrop?.(dequeue(), "unsubscribed");
      };
    });
}
