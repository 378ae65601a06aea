/**
 * `work` started once and marked as handled: it is awaited later, and a failure meanwhile must
 * not count as an unhandled rejection (which ends the process) while other work is awaited
 * first. (A drizzle query runs again on every `then`, hence the one native promise.)
 */
export function observed<T>(work: PromiseLike<T>): Promise<T> {
  const promise = Promise.resolve(work);
  promise.catch(() => {});
  return promise;
}
