/**
 * A memoized asynchronous loader, for what the bundle imports on first use (a dynamic `import()` is its own chunk of
 * dist/, see src/run-parts.ts): the first call runs `load`; later calls share its promise; a rejected load (e.g. a
 * chunk that could not be read) is forgotten, so the next call tries again instead of repeating the failure.
 * @param load what to load or build; may throw or reject.
 * @returns a function returning the loaded value's promise.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () =>
    (value ??= Promise.resolve()
      .then(load)
      .catch((e: unknown) => {
        value = undefined;
        throw e;
      }));
}
