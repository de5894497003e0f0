/**
 * Hearth's side of `Type=notify` + `WatchdogSec=` (systemd/hearth.service): READY=1 once the
 * server listens, WATCHDOG=1 every half interval while the health check passes, STOPPING=1
 * when shutdown begins. Outside systemd (no $NOTIFY_SOCKET) it does nothing.
 *
 * The ping timer only fires while the event loop turns, and each ping first asks the health
 * check, so a Hearth that is blocked or whose recorder supervision is wedged goes quiet and
 * systemd restarts it.
 */
import type { Logger } from '../log.ts';
import { createNotifier, takeNotifyEnv, type Notifier, type NotifyEnv } from './sdNotify.ts';
import type { HealthCheck } from './recorderHealth.ts';

export interface ServiceNotify {
  /** Sends STOPPING=1 (once) and stops the pings. */
  stop(): Promise<void>;
}

export interface ServiceNotifyOptions {
  log: Logger;
  health: HealthCheck;
  env?: NotifyEnv;
  notifier?: Notifier;
}

export async function startServiceNotify(options: ServiceNotifyOptions): Promise<ServiceNotify> {
  const { log, health } = options;
  const env = options.env ?? takeNotifyEnv();
  const notifier = options.notifier ?? createNotifier(env.socket, log);
  if (!notifier.enabled) return { stop: async () => {} };

  await notifier.send('READY=1');
  log.info('told systemd Hearth is ready', { event: 'systemd.ready', watchdogSec: env.watchdogUsec ? env.watchdogUsec / 1e6 : null });

  let timer: NodeJS.Timeout | null = null;
  let unhealthy: string | null = null;
  if (env.watchdogUsec) {
    // Half the interval, as sd_watchdog_enabled(3) advises: one late ping is not yet a restart.
    const everyMs = Math.max(500, Math.floor(env.watchdogUsec / 2_000));
    let sending = false;
    const ping = (): void => {
      let problem: string | null;
      try {
        problem = health();
      } catch (error) {
        problem = `health check failed: ${(error as Error).message}`;
      }
      if (problem !== unhealthy) {
        if (problem) log.error(`not answering the systemd watchdog; systemd will restart Hearth: ${problem}`, { event: 'systemd.watchdog_withheld' });
        else if (unhealthy) log.info('healthy again; answering the systemd watchdog', { event: 'systemd.watchdog_resumed' });
        unhealthy = problem;
      }
      if (problem || sending) return;
      sending = true;
      void notifier.send('WATCHDOG=1').finally(() => (sending = false));
    };
    timer = setInterval(ping, everyMs);
    ping();
  }

  let stopping: Promise<void> | null = null;
  return {
    stop: () => {
      stopping ??= (async () => {
        if (timer) clearInterval(timer);
        await notifier.send('STOPPING=1');
      })();
      return stopping;
    },
  };
}
