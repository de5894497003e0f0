/**
 * Getting a session cookie from a running Hearth the way the web UI does: log in with a
 * username and password, or make the first admin with the first-run setup code Hearth logs.
 */
import assert from 'node:assert/strict';

/** POST /api/login; asserts 200 and returns the session cookie (`name=value`) for a `cookie` header. */
export async function login(base: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }), signal: AbortSignal.timeout(30_000) });
  assert.equal(response.status, 200, `login of ${username} answered ${response.status}: ${await response.text()}`);
  return sessionCookie(response);
}

/** First-run setup: the code from Hearth's log, then POST /api/setup; returns the new admin's session cookie. */
export async function firstRunSetup(hearth: { url: string; output(): string }, username: string, password: string): Promise<string> {
  const code = /first-run setup code (\S+)/.exec(hearth.output())?.[1];
  if (!code) throw new Error(`no setup code in the log:\n${hearth.output()}`);
  const response = await fetch(`${hearth.url}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, username, password }), signal: AbortSignal.timeout(60_000) });
  if (response.status !== 201) throw new Error(`setup answered ${response.status}: ${await response.text()}`);
  return sessionCookie(response);
}

function sessionCookie(response: Response): string {
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`${response.url} set no session cookie`);
  return cookie;
}
