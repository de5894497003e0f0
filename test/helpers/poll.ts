/**
 * The one bounded poll of the tests: ask again every `everyMs` until the answer is ready,
 * and fail after `timeoutMs` naming what was awaited (plus a tail of `context()`, e.g. the
 * Hearth log). Not ready: null, undefined or false; anything else is the answer.
 */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  poll: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  options: { everyMs?: number; context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await poll();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${options.context ? `\n${options.context().slice(-5000)}` : ''}`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 500));
  }
}
