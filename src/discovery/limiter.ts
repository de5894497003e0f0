/**
 * A counting semaphore, bounded concurrency without a dependency (docs/DESIGN.md, "Herd-safe":
 * 50 devices answering at once must not open 50 ONVIF conversations). A finishing job
 * hands its slot straight to the next waiter, so a newcomer can never slip in between
 * and push the count past `max`.
 */
export function limiter(max: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (running < max) running += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}
