/**
 * What a user may see, worked out by the tests on their own (not with src/auth, which they
 * check): a camera that exists, and the admin, or a grant whose scope covers what is needed
 * (live < recordings < export). Shared by the isolation and reconnect-storm tests.
 */
import type { GrantScope } from '../../src/auth/userRows.ts';

const rank: Record<GrantScope, number> = { live: 1, recordings: 2, export: 3 };

export interface OracleUser {
  admin: boolean;
  grants: Readonly<Partial<Record<string, GrantScope>>>;
}

export function mayAccess(cameras: readonly string[], user: OracleUser | undefined, camera: string | null, need: GrantScope): boolean {
  if (!user || camera === null || !cameras.includes(camera)) return false;
  if (user.admin) return true;
  const scope = user.grants[camera];
  return scope !== undefined && rank[scope] >= rank[need];
}

/** What is wrong with the cameras GET /api/cameras or /api/me listed, against those the user may see live; null when right. */
export async function cameraListWrong(response: Response, kind: 'cameras' | 'me', expected: readonly string[]): Promise<string | null> {
  const body = (await response.json()) as Array<{ id: string }> | { cameras: string[] };
  const ids = Array.isArray(body) ? body.map((c) => c.id) : body.cameras;
  const want = [...expected].sort();
  return JSON.stringify([...ids].sort()) === JSON.stringify(want) ? null : `${kind} listed ${ids.join(',')}; expected ${want.join(',')}`;
}

/** What is wrong with a gated route's status: what the user may not see answers 404, like what does not exist; no 5xx but 503 (busy). */
export function gatedStatusWrong(pathname: string, status: number, may: boolean): string[] {
  return [
    ...(!may && status !== 404 ? [`${pathname} -> ${status}, expected 404`] : []),
    ...(status >= 500 && status !== 503 ? [`${pathname} -> ${status}`] : []),
  ];
}
