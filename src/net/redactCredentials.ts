/**
 * Camera and broker URLs carry passwords (rtsp://admin:secret@…), and ffmpeg repeats the
 * URL in its errors. Anything that leaves the process as text — a log line, a camera's
 * lastError shown to every viewer of that camera — goes through this first.
 */
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#@]*)@/gi;

/** `rtsp://admin:secret@host/x` -> `rtsp://admin:***@host/x`, anywhere in the text. */
export function redactCredentials(text: string): string {
  return text.replace(urlCredentials, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** The same for one URL that may be null. */
export function redactUrl(url: string | null): string | null {
  return url === null ? null : redactCredentials(url);
}
