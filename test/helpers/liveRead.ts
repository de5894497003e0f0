/** Reading a chunked live stream (live.mp4, live.ts) over HTTP for a bounded time and size. */

/** Reads a live stream for at most `ms` or `maxBytes`, then cancels it. */
export async function readLive(url: string, cookie: string, ms: number, maxBytes: number): Promise<{ status: number; bytes: Buffer }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const chunks: Buffer[] = [];
  let total = 0;
  let status = 0;
  try {
    const response = await fetch(url, { headers: { cookie }, signal: controller.signal });
    status = response.status;
    if (response.ok && response.body) {
      const reader = response.body.getReader();
      while (total < maxBytes) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(Buffer.from(value));
        total += value.length;
      }
      await reader.cancel().catch(() => undefined);
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
  }
  return { status, bytes: Buffer.concat(chunks) };
}

