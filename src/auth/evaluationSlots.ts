/**
 * Bounds scrypt work (32 MiB and tens of milliseconds each, on the Pi's 4 cores) per key:
 * at most `perKey` evaluations run at once per address and per account; the rest wait their
 * turn, up to `maxWaiting` per key, and beyond that the caller answers 429. The throttle
 * already bounds how many attempts get this far; this keeps a burst from running them all
 * at the same moment.
 */
export class EvaluationSlots {
  private readonly keys = new Map<string, { running: number; waiting: Array<() => void> }>();

  constructor(
    private readonly perKey: number,
    private readonly maxWaiting: number,
  ) {}

  /** A release function once a slot is free, or null when too many already wait on `key`. */
  async acquire(key: string): Promise<(() => void) | null> {
    let entry = this.keys.get(key);
    if (!entry) {
      entry = { running: 0, waiting: [] };
      this.keys.set(key, entry);
    }
    const slot = entry;
    if (slot.running >= this.perKey) {
      if (slot.waiting.length >= this.maxWaiting) return null;
      await new Promise<void>((resolve) => slot.waiting.push(resolve));
    } else {
      slot.running += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slot.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else {
        slot.running -= 1;
        if (slot.running === 0) this.keys.delete(key);
      }
    };
  }
}
