/**
 * The shell: who is logged in, the navigation, and which page the hash names.
 * A 401 from any request drops back to the login page without losing the hash,
 * so logging in again returns to the page the user was on.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { getMe, logout, setUnauthorizedHandler, type Me } from './api.ts';
import { href, useRoute } from './router.ts';
import { LoginPage } from './pages/login.tsx';
import { LiveGridPage } from './pages/liveGrid.tsx';
import { CameraPage } from './pages/camera.tsx';
import { TimelinePage } from './pages/timeline.tsx';
import { EventsPage } from './pages/events.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { useShortcuts } from './shortcuts.ts';

type Session = { status: 'loading' } | { status: 'anonymous' } | { status: 'user'; me: Me };

export function App() {
  const [session, setSession] = useState<Session>({ status: 'loading' });
  const route = useRoute();

  const refresh = useCallback(() => {
    getMe()
      .then((me) => setSession({ status: 'user', me }))
      .catch(() => setSession({ status: 'anonymous' }));
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => setSession({ status: 'anonymous' }));
    refresh();
  }, [refresh]);

  useShortcuts(session.status === 'user');

  if (session.status === 'loading') return <div class="splash" aria-busy="true" />;
  if (session.status === 'anonymous') return <LoginPage onLoggedIn={refresh} />;

  const me = session.me;
  const [page = 'live', arg] = route.parts;
  let body;
  if (page === 'camera' && arg) body = <CameraPage cameraId={arg} me={me} />;
  else if (page === 'timeline' && arg) body = <TimelinePage cameraId={arg} me={me} query={route.query} />;
  else if (page === 'timeline') body = <TimelinePage cameraId={me.cameras[0] ?? ''} me={me} query={route.query} />;
  else if (page === 'events') body = <EventsPage me={me} query={route.query} />;
  else if (page === 'settings' && me.role === 'admin') body = <SettingsPage me={me} section={arg ?? 'cameras'} parts={route.parts.slice(2)} />;
  else body = <LiveGridPage me={me} />;

  const onLogout = async () => {
    await logout().catch(() => undefined);
    setSession({ status: 'anonymous' });
  };

  return (
    <div class="shell">
      <nav class="topnav" aria-label="Main">
        <a class="brand" href={href(['live'])}>
          <img src="/icon.svg" alt="" width={22} height={22} /> Hearth
        </a>
        <a href={href(['live'])} aria-current={page === 'live' || page === 'camera' ? 'page' : undefined}>
          Live
        </a>
        <a href={href(['timeline'])} aria-current={page === 'timeline' ? 'page' : undefined}>
          Timeline
        </a>
        <a href={href(['events'])} aria-current={page === 'events' ? 'page' : undefined}>
          Events
        </a>
        {me.role === 'admin' && (
          <a href={href(['settings'])} aria-current={page === 'settings' ? 'page' : undefined}>
            Settings
          </a>
        )}
        <span class="spacer" />
        <span class="who" title={me.role}>
          {me.username}
        </span>
        <button type="button" class="link" onClick={onLogout}>
          Log out
        </button>
      </nav>
      <main>{body}</main>
    </div>
  );
}
