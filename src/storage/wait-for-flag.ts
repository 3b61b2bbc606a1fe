/**
 * Blocks until `flag[index]` is no longer 0, or `timeoutMs` passes; true when it changed.
 *
 * A worker raises the flag and then notifies. Its notify for one request can arrive after the
 * caller has already seen the flag, taken the answer, reset the flag and begun waiting for the
 * next request's answer: `Atomics.wait` then returns "ok" with the flag still 0 and no answer
 * posted yet. So a wake-up proves nothing; only the flag's value does (seen once in a cluster
 * test, as "the database connection ended").
 */
export function waitForFlag(flag: Int32Array, index: number, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(flag, index) === 0) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(flag, index, 0, left);
  }
  return true;
}
