/**
 * Camera and broker URLs carry passwords (rtsp://admin:secret@…), and ffmpeg repeats the
 * URL in its errors. Anything that leaves the process as text — a log line, a camera's
 * lastError shown to every viewer of that camera — goes through this first.
 */
// The password runs to the LAST '@' of the authority (as URL parsers read it), so one that
// holds '@' or spaces is hidden whole: an '@' or a space belongs to it while another '@'
// follows before the path, query or end of line. Text after a URL with no '@' stays.
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):(?:[^\s/?#@]|[@ \t](?=[^/?#\r\n]*@))*@/gi;

/** URLs, for text shown to viewers: where a camera lives is an admin's business. */
const anyUrl = /\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s"']*[^\s"':,.;)])?/gi;

/** `rtsp://admin:secret@host/x` -> `rtsp://admin:***@host/x`, anywhere in the text. */
export function redactCredentials(text: string): string {
  return text.replace(urlCredentials, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** `rtsp://…: Connection refused` -> `the camera's address: Connection refused` (run after redactCredentials). */
export function withoutUrls(text: string): string {
  return redactCredentials(text).replace(anyUrl, "the camera's address");
}

/** The same for one URL that may be null. */
export function redactUrl(url: string | null): string | null {
  return url === null ? null : redactCredentials(url);
}
