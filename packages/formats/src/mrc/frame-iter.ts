/**
 * Helpers every MovieReader shares: frames in order with one frame read ahead
 * (the disk works while the caller computes), and a one-at-a-time queue so
 * concurrent readFrame calls never share a scratch buffer.
 */

/**
 * Frames `0..count-1` of `read`, in order, with the next frame's read already
 * started while the caller handles the current one: at most two frames live.
 */
export async function* framesInOrder(count: number, read: (index: number) => Promise<Float32Array>): AsyncGenerator<Float32Array> {
  let next: Promise<Float32Array> | undefined = count > 0 ? read(0) : undefined;
  for (let i = 0; i < count; i++) {
    const current = next as Promise<Float32Array>;
    next = i + 1 < count ? read(i + 1) : undefined;
    // A rejected read-ahead must not become an unhandled rejection if the caller stops early.
    next?.catch(() => undefined);
    yield await current;
  }
}

/** Runs async tasks one after another, in call order. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Throws RangeError unless `index` is an integer frame index in `[0, count)`. */
export function checkFrameIndex(index: number, count: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`frame index ${index} is outside 0..${count - 1}`);
  }
}
