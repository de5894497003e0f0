/**
 * Counts recorder reconnects per camera for `/metrics` by sampling the supervisors'
 * states: every failed run stamps a new `lastErrorAtMs`, and every failure is followed
 * by a reconnect, so each new stamp counts one. Sampling can merge two failures that
 * land within one interval (the backoff makes that rare); an exact count needs a hook
 * in the supervisor, which this stands in for without touching recording code.
 */
export interface SampledStatus {
  cameraId: string;
  lastErrorAtMs: number | null;
}

export interface ReconnectCounter {
  counts(): ReadonlyMap<string, number>;
  /** Takes one sample now (the timer calls it too). */
  sample(): void;
  stop(): void;
}

export function startReconnectCounter(states: () => readonly SampledStatus[], intervalMs = 1_000): ReconnectCounter {
  const lastSeen = new Map<string, number | null>();
  const counts = new Map<string, number>();
  const sample = (): void => {
    for (const s of states()) {
      const previous = lastSeen.get(s.cameraId);
      // The first sample is the baseline: failures before it are not "since start" knowledge.
      if (previous !== undefined && s.lastErrorAtMs !== null && s.lastErrorAtMs !== previous) {
        counts.set(s.cameraId, (counts.get(s.cameraId) ?? 0) + 1);
      }
      lastSeen.set(s.cameraId, s.lastErrorAtMs);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return { counts: () => counts, sample, stop: () => clearInterval(timer) };
}
