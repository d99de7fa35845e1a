/**
 * @module cli/ordered-map
 * Runs `fn` over items with at most `concurrency` in flight and hands results to
 * `emit` in input order (a finished item waits for the ones before it).
 */
export async function mapOrdered<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  emit: (result: R, index: number) => void,
): Promise<void> {
  const done = new Map<number, R>();
  let nextToStart = 0;
  let nextToEmit = 0;
  const worker = async (): Promise<void> => {
    while (nextToStart < items.length) {
      const index = nextToStart++;
      done.set(index, await fn(items[index]!, index));
      while (done.has(nextToEmit)) {
        const r = done.get(nextToEmit)!;
        done.delete(nextToEmit);
        emit(r, nextToEmit++);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
