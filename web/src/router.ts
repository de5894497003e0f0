/**
 * Hash routes (#/live, #/camera/porch, #/timeline/porch?t=…, #/events, #/settings/…):
 * the server needs no knowledge of UI paths and a bookmark survives a reload.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments after '#/', e.g. ['timeline', 'porch']. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const parts = pathPart.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  return { parts, query: new URLSearchParams(queryPart) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function href(parts: string[], query?: Record<string, string | number>): string {
  const path = '#/' + parts.map((p) => encodeURIComponent(p)).join('/');
  if (!query) return path;
  const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return `${path}?${q}`;
}

export function navigate(parts: string[], query?: Record<string, string | number>): void {
  location.hash = href(parts, query);
}
