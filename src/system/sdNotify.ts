/**
 * The systemd notification protocol (sd_notify): READY=1, WATCHDOG=1, STOPPING=1 sent to
 * the datagram socket named by $NOTIFY_SOCKET.
 *
 * Node has no AF_UNIX SOCK_DGRAM sockets, so each message is sent by systemd's own
 * `systemd-notify` (present wherever systemd is). It waits until the manager has read the
 * message (its BARRIER=1, systemd 246+), so the message is not lost when the short-lived
 * sender is gone before systemd looks it up; the unit needs NotifyAccess=all because the
 * sender is a child of Hearth. Alternatives weighed: a native addon (a compiler and headers
 * on every Pi, one more thing to break on a Node upgrade) or a long-lived helper process;
 * one small process every half watchdog interval costs less than either.
 */
import { execFile } from 'node:child_process';
import type { Logger } from '../log.ts';

export interface NotifyEnv {
  /** Path of the datagram socket (absolute, or "@name" for the abstract namespace). */
  socket: string | null;
  /** From WATCHDOG_USEC, only when WATCHDOG_PID (if set) names this process. */
  watchdogUsec: number | null;
}

/**
 * Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID once and removes them from
 * process.env, as sd_notify(unset_environment=1) does: ffmpeg and other children must not
 * inherit them and talk to systemd on Hearth's behalf.
 */
export function takeNotifyEnv(env: NodeJS.ProcessEnv = process.env, pid = process.pid): NotifyEnv {
  const socket = env.NOTIFY_SOCKET?.trim() || null;
  const usec = Number(env.WATCHDOG_USEC);
  const watchdogPid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : pid;
  const watchdogUsec = Number.isFinite(usec) && usec > 0 && watchdogPid === pid ? usec : null;
  delete env.NOTIFY_SOCKET;
  delete env.WATCHDOG_USEC;
  delete env.WATCHDOG_PID;
  return { socket, watchdogUsec };
}

export interface Notifier {
  readonly enabled: boolean;
  /** Sends one message (for example "READY=1"); resolves false, never throws, when it could not. */
  send(message: string): Promise<boolean>;
}

/** How long one `systemd-notify` may take; it normally returns in milliseconds. */
const sendTimeoutMs = 5_000;

export function createNotifier(socket: string | null, log: Logger, command = 'systemd-notify'): Notifier {
  if (!socket) return { enabled: false, send: async () => false };
  let warned = false;
  return {
    enabled: true,
    send: (message) =>
      new Promise((resolve) => {
        // "--" keeps a message from being read as an option; the socket goes only to the child.
        execFile(command, ['--', message], { env: { ...process.env, NOTIFY_SOCKET: socket }, timeout: sendTimeoutMs, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
          if (!error) {
            warned = false;
            return resolve(true);
          }
          // Once per failure streak: a missing systemd-notify must not flood the journal.
          if (!warned) {
            warned = true;
            const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} not found (it comes with systemd)` : (stderr.trim() || error.message);
            log.error(`could not notify systemd (${message}): ${reason}`, { event: 'systemd.notify_failed' });
          }
          resolve(false);
        });
      }),
  };
}
