/**
 * Counts what a reconnect storm looks like from the cameras' side: how many connection
 * attempts are in flight at once (and at most), so the bench can show that Hearth's
 * bounded, jittered reconnects do not hit every camera in the same instant.
 *   RTSP: from TCP accept until a PLAY succeeds on that connection (or it closes).
 *   ONVIF: from request received until the response is finished (or the socket closes).
 */
export class ConnectionGauge {
  private openNow = 0;
  private peakOpen = 0;
  private started = 0;

  constructor(private readonly parent?: ConnectionGauge) {}

  /** An attempt starts; call the returned function when it ends (extra calls are ignored). */
  begin(): () => void {
    this.openNow += 1;
    this.started += 1;
    this.peakOpen = Math.max(this.peakOpen, this.openNow);
    const parentEnd = this.parent?.begin();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.openNow -= 1;
      parentEnd?.();
    };
  }

  get current(): number {
    return this.openNow;
  }

  /** Most attempts in flight at once since creation or the last reset(). */
  get peak(): number {
    return this.peakOpen;
  }

  /** Attempts started since creation or the last reset(). */
  get total(): number {
    return this.started;
  }

  /** Starts a new measuring window (peak restarts from what is open now). */
  reset(): void {
    this.peakOpen = this.openNow;
    this.started = 0;
  }
}

/** One simulator's counters; `any` counts RTSP and ONVIF attempts together. */
export interface SimulatorConnectionCounters {
  rtspAttempts: ConnectionGauge;
  onvifRequests: ConnectionGauge;
  any: ConnectionGauge;
}

export function resetConnectionCounters(counters: SimulatorConnectionCounters): void {
  for (const gauge of [counters.rtspAttempts, counters.onvifRequests, counters.any]) gauge.reset();
}

export function simulatorConnectionCounters(): SimulatorConnectionCounters {
  const any = new ConnectionGauge();
  return { rtspAttempts: new ConnectionGauge(any), onvifRequests: new ConnectionGauge(any), any };
}
